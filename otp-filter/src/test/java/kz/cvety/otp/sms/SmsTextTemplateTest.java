package kz.cvety.otp.sms;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class SmsTextTemplateTest {

	@Test
	void defaultTemplateRendersCodeAndMinutes() {
		assertThat(SmsTextTemplate.defaultTemplate().render("123456", Duration.ofMinutes(5)))
			.isEqualTo("Cvety.kz: your login code is 123456. It is valid for 5 min. Do not share it.");
	}

	@Test
	void minutesAreRoundedDownButNeverZero() {
		SmsTextTemplate template = new SmsTextTemplate("{code} for {minutes} min");
		assertThat(template.render("1", Duration.ofSeconds(90))).isEqualTo("1 for 1 min");
		assertThat(template.render("1", Duration.ofSeconds(30))).isEqualTo("1 for 1 min");
		assertThat(template.render("1", Duration.ofMinutes(10))).isEqualTo("1 for 10 min");
	}

	@Test
	void templateWithoutMinutesIsAllowed() {
		assertThat(new SmsTextTemplate("Code: {code}").render("0042", Duration.ofMinutes(5))).isEqualTo("Code: 0042");
	}

	@Test
	void templateWithoutCodeIsRejectedNamingTheKey() {
		assertThatIllegalArgumentException().isThrownBy(() -> new SmsTextTemplate("Your code is valid {minutes} min"))
			.withMessageContaining("cvety.otp.sms.text")
			.withMessageContaining("{code}");
	}

	@Test
	void emptyTemplateIsRejectedNamingTheKey() {
		assertThatIllegalArgumentException().isThrownBy(() -> new SmsTextTemplate("  "))
			.withMessageContaining("cvety.otp.sms.text");
		assertThatIllegalArgumentException().isThrownBy(() -> new SmsTextTemplate(null))
			.withMessageContaining("cvety.otp.sms.text");
	}

	@Test
	void misspelledPlaceholderIsRejectedRatherThanSentLiterally() {
		assertThatIllegalArgumentException().isThrownBy(() -> new SmsTextTemplate("{code}, valid {minute} min"))
			.withMessageContaining("cvety.otp.sms.text")
			.withMessageContaining("{minute}");
	}

	@Test
	void nonPositiveLifetimeIsRejected() {
		SmsTextTemplate template = SmsTextTemplate.defaultTemplate();
		assertThatIllegalArgumentException().isThrownBy(() -> template.render("123456", Duration.ZERO));
		assertThatIllegalArgumentException().isThrownBy(() -> template.render("123456", Duration.ofSeconds(-1)));
	}

	static final String DEFAULT_TEXT = "Cvety.kz: your login code is 123456. It is valid for 5 min. Do not share it.";

	@Test
	void originEndsTheTextWithTheWebOtpLine() {
		assertThat(new SmsTextTemplate(SmsTextTemplate.DEFAULT, "cvety.kz", null).render("123456", Duration.ofMinutes(5)))
			.isEqualTo(DEFAULT_TEXT + "\n@cvety.kz #123456");
	}

	@Test
	void appHashEndsTheTextOnALineOfItsOwn() {
		assertThat(new SmsTextTemplate(SmsTextTemplate.DEFAULT, null, "FA+9qCX9VSu").render("123456",
				Duration.ofMinutes(5)))
			.isEqualTo(DEFAULT_TEXT + "\nFA+9qCX9VSu");
	}

	@Test
	void withBothTheWebOtpLineStaysLastAndTheHashComesBeforeIt() {
		String text = new SmsTextTemplate(SmsTextTemplate.DEFAULT, "cvety.kz", "FA+9qCX9VSu").render("123456",
				Duration.ofMinutes(5));

		assertThat(text).isEqualTo(DEFAULT_TEXT + "\nFA+9qCX9VSu\n@cvety.kz #123456");
		assertThat(text.lines().reduce((first, second) -> second)).hasValue("@cvety.kz #123456");
	}

	@Test
	void emptyAutoFillSettingsAddNoLines() {
		assertThat(new SmsTextTemplate(SmsTextTemplate.DEFAULT, "", "").render("123456", Duration.ofMinutes(5)))
			.isEqualTo(DEFAULT_TEXT);
	}

	@Test
	void defaultTextWithBothLinesFitsOneGsm7SmsAtTheLongestCode() {
		String text = new SmsTextTemplate(SmsTextTemplate.DEFAULT, "cvety.kz", "FA+9qCX9VSu").render("1234567890",
				Duration.ofMinutes(5));

		assertThat(text).hasSizeLessThanOrEqualTo(160).matches("[A-Za-z0-9 .:+/@#\n]*");
	}

	@ParameterizedTest
	@ValueSource(strings = { "www.cvety.kz", "localhost", "a-b.c0.kz", "xn--80ao21a", "shop.xn--80ao21a" })
	void hostNamesAreAcceptedAsOrigin(String origin) {
		assertThat(new SmsTextTemplate("{code}", origin, null).render("1", Duration.ofMinutes(1)))
			.isEqualTo("1\n@" + origin + " #1");
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://cvety.kz", "cvety.kz:443", "cvety.kz/login", "Cvety.kz", "cvety.kz.", ".cvety.kz",
			"cvety..kz", "-cvety.kz", "cvety-.kz", "127.0.0.1", "[::1]", "цветы.kz", "cvety kz", "@cvety.kz",
			"cvety.kz #1", "cvety_kz.kz" })
	void anythingButALowerCaseAsciiHostNameIsRefusedAsOriginNamingTheKey(String origin) {
		assertThatIllegalArgumentException().isThrownBy(() -> new SmsTextTemplate("{code}", origin, null))
			.withMessageStartingWith("cvety.otp.sms.origin must be a lower-case ASCII host name");
	}

	@Test
	void originLongerThanAHostNameMayBeIsRefused() {
		String label = "a".repeat(63);
		String longest = String.join(".", label, label, label, "a".repeat(61));
		assertThat(longest).hasSize(253);
		assertThat(new SmsTextTemplate("{code}", longest, null).origin()).isEqualTo(longest);

		assertThatIllegalArgumentException().isThrownBy(() -> new SmsTextTemplate("{code}", longest + "a", null))
			.withMessageStartingWith("cvety.otp.sms.origin");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new SmsTextTemplate("{code}", "a".repeat(64) + ".kz", null))
			.withMessageStartingWith("cvety.otp.sms.origin");
	}

	@ParameterizedTest
	@ValueSource(strings = { "FA+9qCX9VSu", "abcdefghijk", "0123456789/" })
	void elevenBase64CharactersAreAcceptedAsAppHash(String hash) {
		assertThat(new SmsTextTemplate("{code}", null, hash).androidAppHash()).isEqualTo(hash);
	}

	@ParameterizedTest
	@ValueSource(strings = { "FA+9qCX9VS", "FA+9qCX9VSuX", "FA-9qCX9VSu", "FA_9qCX9VSu", "FA+9qCX9VS=", " FA+9qCX9VSu",
			"FA+9qCX9VSu\n" })
	void anythingButElevenBase64CharactersIsRefusedAsAppHashNamingTheKey(String hash) {
		assertThatIllegalArgumentException().isThrownBy(() -> new SmsTextTemplate("{code}", null, hash))
			.withMessageStartingWith("cvety.otp.sms.android-app-hash must be the 11-character app hash");
	}

}
