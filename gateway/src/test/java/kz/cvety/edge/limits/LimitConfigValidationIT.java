package kz.cvety.edge.limits;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.otp.testing.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A limit ops mistype, or a key they misspell, stops start-up with a message that names the key and says what
 * a limit looks like or which key was probably meant.
 */
@ExtendWith(OutputCaptureExtension.class)
class LimitConfigValidationIT {

	@ParameterizedTest
	@CsvSource(delimiter = '|', quoteCharacter = '"', value = {
			"cvety.otp.limits.send-per-phone            | 10/xyz       | '10/xyz' is not a limit; write COUNT/DURATION such as 10/1m",
			"cvety.otp.limits.send-per-ip               | 0/1m         | limit count must be at least 1, was 0",
			"cvety.otp.limits.send-global               | 10/0s        | limit period must be positive",
			"cvety.otp.limits.verify-failures-per-phone | ten per hour | 'ten per hour' is not a limit; write COUNT/DURATION",
			"cvety.otp.limits.send-per-prefix           | 30/1x        | '30/1x' is not a limit; write COUNT/DURATION",
			"cvety.otp.limits.verify-failures-per-ip    | 0/1h         | limit count must be at least 1, was 0" })
	void aBadLimitStopsStartUpNamingTheKeyAndTheReason(String key, String value, String reason, CapturedOutput output) {
		assertThatThrownBy(() -> GatewayInstance.start("http://127.0.0.1:9/sms", Map.of(key, value)).close())
			.isInstanceOf(RuntimeException.class);

		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("Failed to bind properties under '" + key + "'")
			.contains(reason)
			.doesNotContain("Started GatewayApplication");
	}

	@ParameterizedTest
	@ValueSource(strings = { "0", "9" })
	void aRangeSuffixOutsideOneToEightDigitsStopsStartUpNamingTheKey(String digits, CapturedOutput output) {
		assertThatThrownBy(() -> GatewayInstance
			.start("http://127.0.0.1:9/sms", Map.of("cvety.otp.limits.prefix-suffix-digits", digits))
			.close()).isInstanceOf(RuntimeException.class);

		assertThat(output).contains("APPLICATION FAILED TO START")
			// Text or JSON lines, whichever format an earlier gateway in this JVM left the logging system in.
			.containsPattern("\\\\?\"cvety\\.otp\\.limits\\.prefix-suffix-digits\\\\?\" from property source")
			.contains("must be from 1 to 8 digits")
			.doesNotContain("Started GatewayApplication");
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
			"cvety.otp.limits.hot-keys.send-global.max-unsynchronized-tokens | -1  | must be 0 (off) or more tokens",
			"cvety.otp.limits.hot-keys.send-per-ip.max-unsynchronized-tokens | ten | Failed to bind properties under",
			"cvety.otp.limits.hot-keys.send-global.max-unsynchronized-time   | -1s | must be positive",
			"cvety.otp.limits.hot-keys.send-per-ip.max-unsynchronized-time   | 0s  | must be positive" })
	void aBadHotKeyBoundStopsStartUpNamingTheKey(String key, String value, String reason, CapturedOutput output) {
		assertStartUpRefused(key, value, reason, output);
	}

	/** A gateway started with {@code key} set to {@code value} fails, its output naming the key and the reason. */
	static void assertStartUpRefused(String key, String value, String reason, CapturedOutput output) {
		assertThatThrownBy(() -> GatewayInstance.start("http://127.0.0.1:9/sms", Map.of(key, value)).close())
			.isInstanceOf(RuntimeException.class);

		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains(key)
			.contains(reason)
			.doesNotContain("Started GatewayApplication");
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
			"local | cvety.otp.limits.send-per-phon | 1/1m  | Did you mean cvety.otp.limits.send-per-phone?",
			"prod  | cvety.otp.max-attempt          | 1     | Did you mean cvety.otp.max-attempts?",
			"local | cvety.otp.sms.webhook-uri      | x     | Did you mean cvety.otp.sms.webhook-url?",
			"prod  | cvety.otp.limits.perphone      | 1/1m  | the README's configuration reference lists every key" })
	void anUnknownKeyStopsStartUpInEveryProfileNamingItAndTheKeyItProbablyMeant(String profile, String key,
			String value, String hint, CapturedOutput output) {
		Map<String, String> settings = new LinkedHashMap<>(
				GatewayInstance.defaults("http://127.0.0.1:9/sms", TestRedis.uniquePrefix()));
		settings.put("spring.profiles.active", profile);
		settings.put(key, value);
		assertThatThrownBy(() -> GatewayInstance.start(settings).close()).isInstanceOf(RuntimeException.class);

		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains(key + ": is not a known property")
			.contains(hint)
			.doesNotContain("Started GatewayApplication");
	}

}
