package kz.cvety.otp.admission;

import java.util.List;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import kz.cvety.otp.ratelimit.RateLimitDecision;
import kz.cvety.otp.store.AttemptReservation;

/**
 * An admitted verify-otp: the code's reserved attempt and the failed-verification tokens it took (per phone,
 * per IP), and how to settle them once it has ended.
 */
public final class VerifyAdmission {

	private final List<RateLimitDecision> decisions;

	private final AttemptReservation reservation;

	private final Supplier<Mono<Void>> refund;

	private final Runnable verified;

	/**
	 * @param verified counts a verified code for the pumping guard, without waiting for it
	 */
	VerifyAdmission(List<RateLimitDecision> decisions, AttemptReservation reservation, Supplier<Mono<Void>> refund,
			Runnable verified) {
		this.decisions = decisions;
		this.reservation = reservation;
		this.refund = refund;
		this.verified = verified;
	}

	/** The decisions of the failed-verification budgets, for the {@code RateLimit-*} headers. */
	public List<RateLimitDecision> decisions() {
		return this.decisions;
	}

	/** The reserved attempt of the phone's live code. */
	public AttemptReservation reservation() {
		return this.reservation;
	}

	/**
	 * Gives the failed-verification tokens back unless the code was wrong ({@link VerifyOutcome#INVALID}): a
	 * verified code, or none to check, is no failed verification. A budget that refused in dry run took none. A
	 * verified code counts for the pumping guard.
	 */
	public Mono<Void> settle(@Nullable VerifyOutcome outcome) {
		if (outcome == VerifyOutcome.VERIFIED) {
			this.verified.run();
		}
		return (outcome != VerifyOutcome.INVALID) ? Mono.defer(this.refund) : Mono.empty();
	}

}
