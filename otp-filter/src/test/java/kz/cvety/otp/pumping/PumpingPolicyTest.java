package kz.cvety.otp.pumping;

import java.time.Duration;
import java.util.EnumSet;

import org.junit.jupiter.api.Test;

import kz.cvety.otp.pumping.PumpingPolicy.Target;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which scopes a phone counts in, and the steps its window is counted in (the verdict: {@link PumpingScriptsIT}).
 */
class PumpingPolicyTest {

	private static final PumpingPolicy DEFAULTS = PumpingPolicy.from(new PumpingProperties(), "KZ");

	@Test
	void aPhoneCountsInItsRangeAndInItsRegionUnlessThatIsTheHomeRegion() {
		assertThat(DEFAULTS.targetsOf("+77015550123", 4)).containsExactly(new Target(PumpingScope.RANGE, "+7701555"));
		assertThat(DEFAULTS.targetsOf("+79161234567", 4)).containsExactly(new Target(PumpingScope.RANGE, "+7916123"),
				new Target(PumpingScope.REGION, "RU"));
		assertThat(DEFAULTS.targetsOf("+998901234567", 3)).containsExactly(
				new Target(PumpingScope.RANGE, "+998901234"), new Target(PumpingScope.REGION, "UZ"));
	}

	@Test
	void onlyTheConfiguredScopesCountAndNoneWhenTheGuardIsOff() {
		PumpingProperties regionOnly = new PumpingProperties();
		regionOnly.setScopes(EnumSet.of(PumpingScope.REGION));
		PumpingProperties off = new PumpingProperties();
		off.setEnabled(false);

		assertThat(PumpingPolicy.from(regionOnly, "KZ").targetsOf("+79161234567", 4))
			.containsExactly(new Target(PumpingScope.REGION, "RU"));
		assertThat(PumpingPolicy.from(off, "KZ").targetsOf("+79161234567", 4)).isEmpty();
		assertThat(PumpingPolicy.OFF.targetsOf("+79161234567", 4)).isEmpty();
	}

	@Test
	void theWindowIsCountedInSixtySteps() {
		assertThat(DEFAULTS.step()).isEqualTo(Duration.ofMinutes(6));
		assertThat(DEFAULTS.steps()).isEqualTo(60);
		PumpingProperties shortest = new PumpingProperties();
		shortest.setWindow(PumpingPolicy.MIN_WINDOW);
		assertThat(PumpingPolicy.from(shortest, "KZ").step()).isEqualTo(Duration.ofSeconds(1));
		PumpingProperties odd = new PumpingProperties();
		odd.setWindow(Duration.ofSeconds(61));
		assertThat(PumpingPolicy.from(odd, "KZ").steps()).as("the whole window is covered").isEqualTo(61);
	}

	@Test
	void logsShowARangeWithItsDroppedDigitsMasked() {
		assertThat(new Target(PumpingScope.RANGE, "+7701555").describe(4)).isEqualTo("range +7701555xxxx");
		assertThat(new Target(PumpingScope.REGION, "UZ").describe(4)).isEqualTo("region UZ");
	}

}
