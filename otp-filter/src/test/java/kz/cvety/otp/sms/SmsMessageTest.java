package kz.cvety.otp.sms;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

class SmsMessageTest {

	@Test
	void toStringMasksPhoneAndHidesCodeAndText() {
		SmsMessage message = new SmsMessage("+77771234567", "987654", "Cvety.kz: your login code is 987654.");

		assertThat(message.toString()).contains("+7777***4567")
			.doesNotContain("+77771234567")
			.doesNotContain("987654")
			.doesNotContain("login code");
	}

	@Test
	void everyPartIsRequired() {
		assertThatNullPointerException().isThrownBy(() -> new SmsMessage(null, "1", "t"));
		assertThatNullPointerException().isThrownBy(() -> new SmsMessage("+77771234567", null, "t"));
		assertThatNullPointerException().isThrownBy(() -> new SmsMessage("+77771234567", "1", null));
	}

}
