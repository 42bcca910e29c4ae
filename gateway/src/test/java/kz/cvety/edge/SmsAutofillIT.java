package kz.cvety.edge;

import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.SmsSink;

import static kz.cvety.edge.support.OtpApi.requestOtp;
import static kz.cvety.edge.support.OtpApi.verify;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The SMS provider receives the text with the auto-fill lines ops configured, exactly as the README shows them;
 * the code a browser reads from the WebOTP line verifies; a bad origin or app hash stops start-up naming the key.
 */
@ExtendWith(OutputCaptureExtension.class)
class SmsAutofillIT {

	static final String PHONE = "+77011234567";

	static Stream<Arguments> autofillSettings() {
		String text = "Cvety.kz: your login code is {code}. It is valid for 5 min. Do not share it.";
		return Stream.of(
				Arguments.of("origin", Map.of("cvety.otp.sms.origin", "cvety.kz"), text + "\n@cvety.kz #{code}"),
				Arguments.of("app hash", Map.of("cvety.otp.sms.android-app-hash", "FA+9qCX9VSu"),
						text + "\nFA+9qCX9VSu"),
				Arguments.of("both",
						Map.of("cvety.otp.sms.origin", "cvety.kz", "cvety.otp.sms.android-app-hash", "FA+9qCX9VSu"),
						text + "\nFA+9qCX9VSu\n@cvety.kz #{code}"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("autofillSettings")
	void smsProviderReceivesTheTextWithItsAutofillLines(String what, Map<String, String> settings, String expected) {
		try (SmsSink sms = new SmsSink(); GatewayInstance gateway = GatewayInstance.start(sms.url(), settings)) {
			assertThat(requestOtp(gateway.url(), PHONE).status()).isEqualTo(200);

			SmsSink.Sms sent = sms.last(PHONE).orElseThrow();
			assertThat(sent.text()).isEqualTo(expected.replace("{code}", sent.code()));

			String lastLine = sent.text().lines().reduce((first, second) -> second).orElseThrow();
			String readByBrowser = lastLine.startsWith("@") ? lastLine.substring(lastLine.indexOf('#') + 1) : sent.code();
			assertThat(verify(gateway.url(), PHONE, readByBrowser).status()).isEqualTo(200);
		}
	}

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource(delimiter = '|', value = {
			"cvety.otp.sms.origin           | https://cvety.kz | must be a lower-case ASCII host name",
			"cvety.otp.sms.origin           | cvety.kz:8443    | without scheme, port or path",
			"cvety.otp.sms.origin           | Cvety.kz         | must be a lower-case ASCII host name",
			"cvety.otp.sms.android-app-hash | FA+9qCX9VS       | must be the 11-character app hash",
			"cvety.otp.sms.android-app-hash | FA-9qCX9VSu      | must be the 11-character app hash" })
	void badAutofillSettingStopsStartUpNamingTheKey(String key, String value, String reason, CapturedOutput output) {
		assertThatThrownBy(() -> GatewayInstance.start("http://127.0.0.1:9/sms", Map.of(key, value)).close())
			.isInstanceOf(RuntimeException.class);

		assertThat(output).contains("APPLICATION FAILED TO START")
			// Text or JSON lines, whichever format an earlier gateway in this JVM left the logging system in.
			.containsPattern("\\\\?\"" + key.replace(".", "\\.") + "\\\\?\" from property source")
			.contains(reason)
			.doesNotContain("Started GatewayApplication");
	}

}
