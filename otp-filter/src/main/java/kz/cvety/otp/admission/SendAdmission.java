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

	private final Runnable notSent;

	/**
	 * @param notSent takes back the pumping guard's count of a code that cannot have reached the phone, without
	 * waiting for it
	 */
	SendAdmission(List<RateLimitDecision> decisions, Supplier<Mono<Void>> refund, Runnable notSent) {
		this.decisions = decisions;
		this.refund = refund;
		this.notSent = notSent;
	}

	/** The decisions of every send limit, for the {@code RateLimit-*} headers. */
	public List<RateLimitDecision> decisions() {
		return this.decisions;
	}

	/**
	 * Gives back the tokens this send took when no SMS can have gone out ({@link SendOutcome#FAILED}); a send the
	 * provider may have taken, or one that went out, keeps them spent. Only such a send stays counted as sent for
	 * the pumping guard, which counted it on admission: with no outcome (the request ended before its SMS) the count
	 * is taken back too. A limit that refused in dry run took none.
	 */
	public Mono<Void> settle(@Nullable SendOutcome outcome) {
		if (outcome != SendOutcome.SENT && outcome != SendOutcome.UNCONFIRMED) {
			this.notSent.run();
		}
		return (outcome == SendOutcome.FAILED) ? Mono.defer(this.refund) : Mono.empty();
	}

}
