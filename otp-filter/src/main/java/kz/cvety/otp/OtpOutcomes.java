package kz.cvety.otp;

import org.jspecify.annotations.Nullable;

/**
 * Hears how each OTP request ended, once per request, after the phone was read: for the decision log line and
 * the metrics.
 */
public interface OtpOutcomes {

	/** Hears nothing. */
	OtpOutcomes NONE = new OtpOutcomes() {
	};

	/**
	 * A request-otp ended.
	 * @param phone the phone in E.164 (mask it before logging)
	 * @param outcome sent, test_number, failed (no SMS can have gone out), unconfirmed (the provider may have taken
	 * it), refused or store_unavailable
	 * @param limit the limit that refused, if any
	 * @param cached whether the refusal came from the in-process cache
	 * @param requestId the request's {@code X-Request-Id}
	 */
	default void send(String phone, String outcome, @Nullable String limit, boolean cached,
			@Nullable String requestId) {
	}

	/**
	 * A verify-otp ended.
	 * @param phone the phone in E.164 (mask it before logging)
	 * @param outcome verified, invalid, expired, exhausted, locked or store_unavailable
	 * @param requestId the request's {@code X-Request-Id}
	 */
	default void verify(String phone, String outcome, @Nullable String requestId) {
	}

}
