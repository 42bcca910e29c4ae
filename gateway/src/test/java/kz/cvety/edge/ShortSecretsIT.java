package kz.cvety.edge;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.NestedExceptionUtils;

import kz.cvety.otp.autoconfigure.UnsafeConfigurationException;
import kz.cvety.otp.testing.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A hash or token secret shorter than 32 bytes (UTF-8) stops start-up with one line naming the key, in the
 * default local profile too, not only in prod; 32 bytes, counted in UTF-8 rather than characters, start. So does
 * Resilience4j's own setting of an OTP circuit breaker, which would silently replace the gateway's.
 */
@ExtendWith(OutputCaptureExtension.class)
class ShortSecretsIT {

	static final String OK_32 = "0123456789abcdef0123456789abcdef";

	/** 16 Cyrillic letters: 16 characters, 32 UTF-8 bytes. */
	static final String CYRILLIC_32 = "\u0430\u0431\u0432\u0433\u0434\u0435\u0436\u0437\u0438\u0439\u043a\u043b\u043c\u043d\u043e\u043f";

	static Stream<Arguments> shortSecrets() {
		return Stream.of(Arguments.of("cvety.otp.hash-secret", OK_32.substring(1)),
				Arguments.of("cvety.otp.token-secret", CYRILLIC_32.substring(1) + "x"),
				Arguments.of("cvety.otp.hash-secret", " ".repeat(40)));
	}

	@ParameterizedTest(name = "{0} of {1}")
	@MethodSource("shortSecrets")
	void aSecretShorterThan32BytesStopsTheLocalProfile(String key, String secret, CapturedOutput output) {
		Map<String, String> settings = settings();
		settings.put(key, secret);
		assertThatThrownBy(() -> start(settings))
			.satisfies(ex -> assertThat(NestedExceptionUtils.getMostSpecificCause(ex))
				.isInstanceOf(UnsafeConfigurationException.class));
		assertThat(output).containsPattern("Refusing to start: " + key.replace(".", "\\.") + ": .*(32 bytes|not set)")
			.doesNotContain("Started GatewayApplication");
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "otp-redis", "sms" })
	void resilience4jsOwnSettingsForAnOtpCircuitBreakerStopStartUpNamingTheKey(String breaker, CapturedOutput output) {
		Map<String, String> settings = settings();
		settings.put("cvety.otp.hash-secret", OK_32);
		settings.put("cvety.otp.token-secret", OK_32);
		settings.put("cvety.otp.sms.provider", "webhook");
		settings.put("cvety.otp.sms.webhook-url", "http://127.0.0.1:9/sms");
		settings.put("resilience4j.circuitbreaker.instances." + breaker + ".failure-rate-threshold", "10");
		assertThatThrownBy(() -> start(settings))
			.satisfies(ex -> assertThat(NestedExceptionUtils.getMostSpecificCause(ex))
				.isInstanceOf(UnsafeConfigurationException.class));
		assertThat(output).contains("Refusing to start: resilience4j.circuitbreaker.instances." + breaker + ": ")
			.doesNotContain("Started GatewayApplication");
	}

	@Test
	void secretsOfExactly32BytesStartTheLocalProfile() {
		Map<String, String> settings = settings();
		settings.put("cvety.otp.hash-secret", OK_32);
		settings.put("cvety.otp.token-secret", CYRILLIC_32);
		try (ConfigurableApplicationContext context = start(settings)) {
			assertThat(context.getEnvironment().getActiveProfiles()).isEmpty();
			assertThat(context.getEnvironment().getDefaultProfiles()).containsExactly("local");
			assertThat(context.isRunning()).isTrue();
		}
	}

	private static Map<String, String> settings() {
		Map<String, String> settings = new LinkedHashMap<>();
		settings.put("server.port", "0");
		settings.put("spring.data.redis.url", TestRedis.url());
		settings.put("cvety.otp.redis.key-prefix", TestRedis.uniquePrefix());
		return settings;
	}

	private static ConfigurableApplicationContext start(Map<String, String> settings) {
		// No profile named: the local profile, whose dev secrets these settings override as OTP_*_SECRET would.
		return new SpringApplicationBuilder(GatewayApplication.class)
			.run(settings.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new));
	}

}
