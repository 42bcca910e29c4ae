package kz.cvety.otp;

/**
 * HTTP header names of the Cvety Edge contract.
 */
public final class OtpHeaders {

	/** Carries the verification JWT to the backend; the edge strips any client-sent value. */
	public static final String VERIFICATION = "X-Otp-Verification";

	private OtpHeaders() {
	}

}
