package kz.cvety.otp.web;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.web.server.ServerWebExchange;

import kz.cvety.otp.OtpSettings;
import kz.cvety.otp.admission.SendOutcome;
import kz.cvety.otp.admission.VerifyOutcome;
import kz.cvety.otp.ratelimit.RateLimitDecision;
import kz.cvety.otp.store.AttemptReservation;

/**
 * An admitted OTP request, handed from the admission filter to the handler through an exchange attribute: only
 * the filter sets it, so its presence proves the request came through the gateway route and was admitted. The
 * handler tells it how the request ended; the filter settles and records that once the handler is done.
 */
public final class OtpExchange {

	/** Exchange attribute holding the admitted request. */
	public static final String ATTRIBUTE = OtpExchange.class.getName();

	private final OtpSettings policy;

	private final OtpRequest request;

	private final String phone;

	private final String clientAddress;

	private final @Nullable AttemptReservation reservation;

	private final List<RateLimitDecision> decisions;

	private final boolean warmUp;

	private volatile @Nullable SendOutcome sendOutcome;

	private volatile @Nullable VerifyOutcome verifyOutcome;

	/**
	 * @param policy the policy the request was admitted under
	 * @param request the body as read by the filter
	 * @param phone the phone in E.164
	 * @param clientAddress the client's address as the limits resolved it
	 * @param reservation the attempt reserved for a verify request
	 * @param decisions the limit decisions that admitted the request
	 * @param warmUp whether it is one of the start-up warm-up's own requests, on throwaway parts
	 */
	OtpExchange(OtpSettings policy, OtpRequest request, String phone, String clientAddress,
			@Nullable AttemptReservation reservation, List<RateLimitDecision> decisions, boolean warmUp) {
		this.policy = policy;
		this.request = request;
		this.phone = phone;
		this.clientAddress = clientAddress;
		this.reservation = reservation;
		this.decisions = decisions;
		this.warmUp = warmUp;
	}

	/** The admitted request of {@code exchange}, or null if the filter did not admit it. */
	public static @Nullable OtpExchange of(ServerWebExchange exchange) {
		return exchange.getAttribute(ATTRIBUTE);
	}

	public OtpSettings policy() {
		return this.policy;
	}

	public OtpRequest request() {
		return this.request;
	}

	public String phone() {
		return this.phone;
	}

	public String clientAddress() {
		return this.clientAddress;
	}

	public @Nullable AttemptReservation reservation() {
		return this.reservation;
	}

	public List<RateLimitDecision> decisions() {
		return this.decisions;
	}

	/** Whether it is one of the start-up warm-up's own requests, to be served by its throwaway parts. */
	public boolean warmUp() {
		return this.warmUp;
	}

	/** The handler's word on how a request-otp ended. */
	void ended(SendOutcome outcome) {
		this.sendOutcome = outcome;
	}

	/** The handler's word on how a verify-otp ended. */
	void ended(VerifyOutcome outcome) {
		this.verifyOutcome = outcome;
	}

	@Nullable SendOutcome sendOutcome() {
		return this.sendOutcome;
	}

	@Nullable VerifyOutcome verifyOutcome() {
		return this.verifyOutcome;
	}

}
