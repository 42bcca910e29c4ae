package kz.cvety.otp.sms;

import org.springframework.http.HttpStatusCode;

/**
 * The SMS provider answered with a status other than 2xx. Names only the status, never the phone or the code.
 */
public final class SmsDeliveryException extends RuntimeException {

	private final HttpStatusCode status;

	public SmsDeliveryException(HttpStatusCode status) {
		super("SMS provider answered HTTP " + status.value(), null, false, false);
		this.status = status;
	}

	/** The provider's HTTP status. */
	public HttpStatusCode status() {
		return this.status;
	}

}
