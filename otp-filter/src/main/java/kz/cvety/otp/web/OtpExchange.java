package kz.cvety.otp.web;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.web.server.ServerWebExchange;

import kz.cvety.otp.OtpPolicy;
import kz.cvety.otp.ratelimit.RateLimitDecision;
import kz.cvety.otp.store.AttemptReservation;

/**
 * What the admission filter hands to the OTP handler through an exchange attribute: only the filter can set
 * it, so its presence proves the request came through the gateway route and was admitted.
 *
 * @param policy the policy the request was admitted under
 * @param request the body as read by the filter
 * @param phone the phone in E.164
 * @param clientIp the client's IP address (the per-IP limits key on it, or on its IPv6 network)
 * @param reservation the attempt reserved for a verify request
 * @param decisions the limit decisions that admitted the request
 */
public record OtpExchange(OtpPolicy policy, OtpRequest request, String phone, String clientIp,
		@Nullable AttemptReservation reservation, List<RateLimitDecision> decisions) {

	/** Exchange attribute holding the admitted request. */
	public static final String ATTRIBUTE = OtpExchange.class.getName();

	/** Exchange attribute the handler sets to tell the filter how the request ended. */
	public static final String OUTCOME_ATTRIBUTE = OtpExchange.class.getName() + ".outcome";

	/** The admitted request of {@code exchange}, or null if the filter did not admit it. */
	public static @Nullable OtpExchange of(ServerWebExchange exchange) {
		return exchange.getAttribute(ATTRIBUTE);
	}

	/** How an admitted request ended, as far as the limits care. */
	public enum Outcome {

		/** A code was sent. */
		SENT,

		/** The code was not issued, or its SMS certainly never reached the provider; no code was left behind. */
		SEND_FAILED,

		/** The provider may have taken the SMS without confirming it; its code stays valid. */
		SEND_UNCONFIRMED,

		/** The code verified. */
		VERIFIED,

		/** The code was wrong: a failed verification. */
		WRONG_CODE,

		/** There was no live code to check. */
		NO_CODE

	}

}
