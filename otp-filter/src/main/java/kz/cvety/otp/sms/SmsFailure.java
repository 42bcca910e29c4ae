package kz.cvety.otp.sms;

import org.jspecify.annotations.Nullable;

/**
 * What a failed send may have left at the SMS provider. Only a message the provider certainly never received
 * gives its rate-limit tokens back and has its code removed; any other may still arrive, so its code stays valid.
 */
public enum SmsFailure {

	/** The provider certainly received nothing: no connection, an open circuit, or the request never written. */
	NOT_RECEIVED,

	/** The provider may have taken the message: a time-out, a non-2xx answer, a connection lost after sending. */
	UNCONFIRMED;

	/**
	 * The failure an {@link SmsSendException} among {@code error} and its causes records, or null when there is
	 * none (the error did not come from sending).
	 */
	public static @Nullable SmsFailure of(Throwable error) {
		for (Throwable t = error; t != null; t = (t.getCause() != t) ? t.getCause() : null) {
			if (t instanceof SmsSendException send) {
				return send.failure();
			}
		}
		return null;
	}

}
