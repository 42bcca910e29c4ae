package kz.cvety.otp;

/**
 * HTTP header names of the Cvety Edge contract.
 */
public final class OtpHeaders {

	/** Carries the verification JWT to the backend; the edge strips any client-sent value. */
	public static final String VERIFICATION = "X-Otp-Verification";

	/** IETF httpapi RateLimit draft: the quota of the limit closest to exhaustion. */
	public static final String RATE_LIMIT_LIMIT = "RateLimit-Limit";

	/** IETF httpapi RateLimit draft: requests left in the current window of that limit. */
	public static final String RATE_LIMIT_REMAINING = "RateLimit-Remaining";

	/** IETF httpapi RateLimit draft: seconds until that limit's quota is whole again. */
	public static final String RATE_LIMIT_RESET = "RateLimit-Reset";

	private OtpHeaders() {
	}

}
