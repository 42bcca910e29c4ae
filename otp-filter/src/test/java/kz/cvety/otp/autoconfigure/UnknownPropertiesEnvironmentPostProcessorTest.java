package kz.cvety.otp.autoconfigure;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import kz.cvety.otp.autoconfigure.UnsafeConfigurationException;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UnknownPropertiesEnvironmentPostProcessorTest {

	@Test
	void declaredKeysListElementsMapKeysAndOtherPrefixesPass() {
		StandardEnvironment environment = environment(Map.of("cvety.otp.max-attempts", "3",
				"cvety.otp.limits.send-per-phone[0]", "10/1m", "cvety.otp.test-numbers.[+77010000000]", "000000",
				"cvety.otp.handoff.url", "http://localhost:8000", "spring.data.redis.timeout", "1s",
				"cvety-other.anything", "x"));

		assertThatCode(() -> check(environment)).doesNotThrowAnyException();
	}

	@Test
	void aMisspelledKeyIsNamedWithTheKeyItProbablyMeant() {
		assertThatThrownBy(() -> check(environment(Map.of("cvety.otp.limits.send-per-phon", "1/1m"))))
			.isInstanceOf(UnsafeConfigurationException.class)
			.hasMessageStartingWith("cvety.otp.limits.send-per-phon: is not a known property")
			.extracting(ex -> ((UnsafeConfigurationException) ex).action()).asString()
			.startsWith("Did you mean cvety.otp.limits.send-per-phone?");
	}

	@Test
	void aKeyFarFromEveryDeclaredOneGetsNoGuess() {
		assertThatThrownBy(() -> check(environment(Map.of("cvety.something-else-entirely", "1"))))
			.isInstanceOf(UnsafeConfigurationException.class)
			.extracting(ex -> ((UnsafeConfigurationException) ex).action()).asString()
			.doesNotContain("Did you mean");
	}

	@Test
	void environmentVariablesAreReadAsTheBinderReadsThem() {
		StandardEnvironment good = new StandardEnvironment();
		good.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
				new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
						Map.of("CVETY_OTP_MAX_ATTEMPTS", "3", "CVETY_OTP_LIMITS_SENDPERPHONE_0_", "10/1m",
								"CVETY_OTP_HANDOFF_URL", "http://b")));
		assertThatCode(() -> check(good)).doesNotThrowAnyException();

		StandardEnvironment typo = new StandardEnvironment();
		typo.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
				new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
						Map.of("CVETY_OTP_MAX_ATTEMPT", "3")));
		assertThatThrownBy(() -> check(typo)).isInstanceOf(UnsafeConfigurationException.class)
			.hasMessageContaining("cvety.otp.max.attempt");
	}

	private static StandardEnvironment environment(Map<String, Object> properties) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
		return environment;
	}

	private static void check(StandardEnvironment environment) {
		UnknownPropertiesEnvironmentPostProcessor.check(environment,
				UnknownPropertiesEnvironmentPostProcessorTest.class.getClassLoader());
	}

}
