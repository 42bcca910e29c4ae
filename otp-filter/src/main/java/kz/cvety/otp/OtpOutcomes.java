package kz.cvety.otp;

import org.jspecify.annotations.Nullable;

import kz.cvety.otp.admission.SendOutcome;
import kz.cvety.otp.admission.VerifyOutcome;

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
	 * @param outcome how it ended
	 * @param limit the limit that refused, if any
	 * @param cached whether the refusal came from the in-process cache
	 * @param requestId the request's {@code X-Request-Id}
	 */
	default void send(String phone, SendOutcome outcome, @Nullable String limit, boolean cached,
			@Nullable String requestId) {
	}

	/**
	 * A verify-otp ended.
	 * @param phone the phone in E.164 (mask it before logging)
	 * @param outcome how it ended
	 * @param requestId the request's {@code X-Request-Id}
	 */
	default void verify(String phone, VerifyOutcome outcome, @Nullable String requestId) {
	}

}
