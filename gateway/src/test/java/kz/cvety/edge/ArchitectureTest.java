package kz.cvety.edge;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The application's packages form no cycle, and the OTP library never reaches into the application that
 * uses it.
 */
class ArchitectureTest {

	private static final JavaClasses CLASSES = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("kz.cvety.edge", "kz.cvety.otp");

	@Test
	void noPackageCyclesInTheApplication() {
		slices().matching("kz.cvety.edge.(**)").should().beFreeOfCycles().allowEmptyShould(true).check(CLASSES);
	}

	@Test
	void theLibraryDoesNotDependOnTheApplication() {
		noClasses().that().resideInAPackage("kz.cvety.otp..")
			.should().dependOnClassesThat().resideInAPackage("kz.cvety.edge..")
			.check(CLASSES);
	}

}
