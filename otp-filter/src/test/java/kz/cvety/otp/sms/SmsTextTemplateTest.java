package kz.cvety.otp.sms;

import java.time.Duration;

import org.junit.jupiter.api.Test;

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

}
