package kz.cvety.otp.web;

/**
 * Paths of the OTP endpoints: the public ones clients call, and the internal ones the gateway routes forward
 * to. The internal paths answer 404 to any request that did not come through the admission filter.
 */
public final class OtpRoutes {

	/** Public path of request-otp. */
	public static final String REQUEST_OTP = "/api/auth/request-otp";

	/** Public path of verify-otp. */
	public static final String VERIFY_OTP = "/api/auth/verify-otp";

	/** Internal path the request-otp route forwards to ({@code forward:/_cvety/otp/request-otp}). */
	public static final String INTERNAL_REQUEST_OTP = "/_cvety/otp/request-otp";

	/** Internal path the verify-otp route forwards to ({@code forward:/_cvety/otp/verify-otp}). */
	public static final String INTERNAL_VERIFY_OTP = "/_cvety/otp/verify-otp";

	/** Every internal path. */
	public static final String INTERNAL_PATTERN = "/_cvety/**";

	private OtpRoutes() {
	}

}
