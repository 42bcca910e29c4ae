package kz.cvety.otp.sms;

import java.util.Objects;

import kz.cvety.otp.phone.PhoneMasker;

/**
 * One OTP text message: the E.164 phone, the code and the rendered text. {@link #toString()} masks the phone
 * and hides the code and text, so a message that ends up in a log or an assertion message leaks neither.
 *
 * @param phone the recipient in E.164, e.g. {@code +77771234567}
 * @param code the one-time code, for providers that want it apart from the text
 * @param text the full message text, which contains the code
 */
public record SmsMessage(String phone, String code, String text) {

	public SmsMessage {
		Objects.requireNonNull(phone, "phone");
		Objects.requireNonNull(code, "code");
		Objects.requireNonNull(text, "text");
	}

	@Override
	public String toString() {
		return "SmsMessage[phone=" + PhoneMasker.mask(this.phone) + ", code=***, text=(" + this.text.length()
				+ " chars)]";
	}

}
