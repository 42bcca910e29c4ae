package kz.cvety.otp.admission;

import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import kz.cvety.otp.ratelimit.RateLimitDecision;
import kz.cvety.otp.store.AttemptReservation;

/**
 * An admitted verify-otp: the code's reserved attempt and the failed-verification token it took, and how to
 * settle that token once it has ended.
 */
public final class VerifyAdmission {

	private final RateLimitDecision budget;

	private final AttemptReservation reservation;

	private final Supplier<Mono<Void>> refund;

	VerifyAdmission(RateLimitDecision budget, AttemptReservation reservation, Supplier<Mono<Void>> refund) {
		this.budget = budget;
		this.reservation = reservation;
		this.refund = refund;
	}

	/** The failed-verification budget decision. */
	public RateLimitDecision budget() {
		return this.budget;
	}

	/** The reserved attempt of the phone's live code. */
	public AttemptReservation reservation() {
		return this.reservation;
	}

	/**
	 * Gives the failed-verification token back unless the code was wrong ({@link VerifyOutcome#INVALID}): a
	 * verified code, or none to check, is no failed verification. A budget that refused in dry run took none.
	 */
	public Mono<Void> settle(@Nullable VerifyOutcome outcome) {
		return (outcome != VerifyOutcome.INVALID && this.budget.allowed()) ? Mono.defer(this.refund) : Mono.empty();
	}

}
