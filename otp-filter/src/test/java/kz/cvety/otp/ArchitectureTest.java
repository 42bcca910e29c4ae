package kz.cvety.otp;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The library's packages depend one way, as docs/ARCHITECTURE.md draws them: auto-configuration on top, then
 * the web layer and the actuator endpoint beside it, the OTP service and admission, the feature packages, and the
 * foundation every layer may use.
 */
class ArchitectureTest {

	private static final String ROOT = "kz.cvety.otp";

	private static final JavaClasses LIBRARY = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages(ROOT);

	@Test
	void noPackageCycles() {
		slices().assignedFrom(new PackageSlices()).should().beFreeOfCycles().check(LIBRARY);
	}

	@Test
	void nothingBelowTheWebLayerUsesIt() {
		noClasses().that().resideOutsideOfPackages(ROOT + ".web..", ROOT + ".autoconfigure..")
			.should().dependOnClassesThat().resideInAPackage(ROOT + ".web..")
			.check(LIBRARY);
	}

	@Test
	void layersDependOneWay() {
		layeredArchitecture().consideringOnlyDependenciesInLayers()
			.layer("auto-configuration").definedBy(ROOT + ".autoconfigure..")
			.layer("web").definedBy(ROOT + ".web..")
			.layer("actuator").definedBy(ROOT + ".actuate..")
			.layer("metrics").definedBy(ROOT + ".metrics..")
			.layer("service").definedBy(ROOT)
			.layer("admission").definedBy(ROOT + ".admission..")
			.layer("features").definedBy(ROOT + ".ratelimit..", ROOT + ".store..", ROOT + ".sms..", ROOT + ".phone..",
					ROOT + ".token..", ROOT + ".client..", ROOT + ".redis..", ROOT + ".pumping..")
			.layer("foundation").definedBy(ROOT + ".problem..", ROOT + ".resilience..", ROOT + ".support..")
			.whereLayer("auto-configuration").mayNotBeAccessedByAnyLayer()
			.whereLayer("web").mayOnlyBeAccessedByLayers("auto-configuration")
			.whereLayer("actuator").mayOnlyBeAccessedByLayers("auto-configuration")
			.whereLayer("metrics").mayOnlyBeAccessedByLayers("auto-configuration")
			.whereLayer("service").mayOnlyBeAccessedByLayers("auto-configuration", "web", "actuator", "metrics")
			.whereLayer("admission")
			.mayOnlyBeAccessedByLayers("auto-configuration", "web", "actuator", "metrics", "service")
			.whereLayer("features")
			.mayOnlyBeAccessedByLayers("auto-configuration", "web", "actuator", "metrics", "service", "admission")
			.check(LIBRARY);
	}

	@Test
	void theGenericRateLimiterKnowsNothingOfOtp() {
		noClasses().that().resideInAPackage(ROOT + ".ratelimit..")
			.should().dependOnClassesThat().resideInAnyPackage(ROOT, ROOT + ".admission..", ROOT + ".store..",
					ROOT + ".sms..", ROOT + ".phone..", ROOT + ".token..")
			.check(LIBRARY);
	}

	/** One slice per package under the root, the root package itself included. */
	private static final class PackageSlices implements SliceAssignment {

		@Override
		public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
			String name = javaClass.getPackageName();
			if (!name.equals(ROOT) && !name.startsWith(ROOT + ".")) {
				return SliceIdentifier.ignore();
			}
			return SliceIdentifier.of(name);
		}

		@Override
		public String getDescription() {
			return "packages of " + ROOT;
		}

	}

}
