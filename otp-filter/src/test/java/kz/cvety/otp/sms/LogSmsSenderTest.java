package kz.cvety.otp.sms;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.test.StepVerifier;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class LogSmsSenderTest {

	@Test
	void logsCodeWithMaskedPhoneOnly(CapturedOutput output) {
		SmsMessage message = new SmsMessage("+77771234567", "123456", "Cvety.kz: your login code is 123456.");

		StepVerifier.create(new LogSmsSender().send(message)).verifyComplete();

		assertThat(output).contains("SMS (log sender, local only) to +7777***4567: code 123456")
			.doesNotContain("+77771234567");
	}

	@Test
	void logsNothingUntilSubscribed(CapturedOutput output) {
		new LogSmsSender().send(new SmsMessage("+77771234567", "123456", "text"));

		assertThat(output).doesNotContain("123456");
	}

}
