package kz.cvety.otp.sms;

import java.util.Objects;

/**
 * The cause of an {@code sms_unavailable} problem: the sender's error and whether the provider may have taken the
 * message. Names neither the phone nor the code, and carries no stack trace of its own.
 */
public final class SmsSendException extends RuntimeException {

	private final SmsFailure failure;

	public SmsSendException(SmsFailure failure, Throwable cause) {
		super((failure == SmsFailure.NOT_RECEIVED) ? "SMS not received by the provider"
				: "SMS outcome unconfirmed by the provider", Objects.requireNonNull(cause, "cause"), false, false);
		this.failure = failure;
	}

	/** Whether the provider certainly received nothing or may have taken the message. */
	public SmsFailure failure() {
		return this.failure;
	}

}
