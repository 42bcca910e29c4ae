package kz.cvety.otp.admission;

import java.util.List;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import kz.cvety.otp.ratelimit.RateLimitDecision;

/**
 * An admitted request-otp: the decisions that let it through, and how to settle them once it has ended.
 */
public final class SendAdmission {

	private final List<RateLimitDecision> decisions;

	private final Supplier<Mono<Void>> refund;

	private final Runnable sent;

	/**
	 * @param sent counts a code that may have reached the phone, for the pumping guard, without waiting for it
	 */
	SendAdmission(List<RateLimitDecision> decisions, Supplier<Mono<Void>> refund, Runnable sent) {
		this.decisions = decisions;
		this.refund = refund;
		this.sent = sent;
	}

	/** The decisions of every send limit, for the {@code RateLimit-*} headers. */
	public List<RateLimitDecision> decisions() {
		return this.decisions;
	}

	/**
	 * Gives back the tokens this send took when no SMS can have gone out ({@link SendOutcome#FAILED}); a send the
	 * provider may have taken, or one that went out, keeps them spent, and counts as sent for the pumping guard.
	 * A limit that refused in dry run took none.
	 */
	public Mono<Void> settle(@Nullable SendOutcome outcome) {
		if (outcome == SendOutcome.SENT || outcome == SendOutcome.UNCONFIRMED) {
			this.sent.run();
		}
		return (outcome == SendOutcome.FAILED) ? Mono.defer(this.refund) : Mono.empty();
	}

}
