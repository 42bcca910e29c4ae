package kz.cvety.otp.admission;

import java.util.ArrayList;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import kz.cvety.otp.phone.PhoneMasker;
import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;
import kz.cvety.otp.problem.RetryAfter;
import kz.cvety.otp.ratelimit.BucketRateLimiter;
import kz.cvety.otp.ratelimit.LimitPolicy;
import kz.cvety.otp.ratelimit.RateLimitDecision;
import kz.cvety.otp.ratelimit.RateLimitHeaders;
import kz.cvety.otp.store.OtpKeys;
import kz.cvety.otp.store.OtpStore;

/**
 * Admits or refuses OTP requests before the handler runs. Sends need a token of every send limit (per phone,
 * per IP, global); a refused send takes no token of any other limit. Verifications need one of the code's
 * attempts and then a token of the phone's failed-verification budget (given back unless the code turns out
 * wrong).
 */
public final class OtpAdmission {

	private static final Log logger = LogFactory.getLog(OtpAdmission.class);

	/** Limit name of the per-code attempt cap in {@code RateLimit-*} headers. */
	public static final String MAX_ATTEMPTS = "max-attempts";

	private final BucketRateLimiter limiter;

	private final OtpKeys keys;

	private final OtpStore store;

	private final AdmissionListener listener;

	public OtpAdmission(BucketRateLimiter limiter, OtpKeys keys, OtpStore store, AdmissionListener listener) {
		this.limiter = limiter;
		this.keys = keys;
		this.store = store;
		this.listener = listener;
	}

	/**
	 * Takes one token of each send limit for {@code phone} from {@code ip}, or refuses with 429
	 * {@code rate_limited} naming the limit.
	 * @return the admission, which knows its decisions and how to settle them
	 */
	public Mono<SendAdmission> admitSend(OtpLimitPolicies policies, String phone, String ip) {
		List<Step> steps = sendSteps(policies, phone, ip);
		// A key already known to be blocked refuses before any other limit spends a token or a Redis call.
		for (Step step : steps) {
			RateLimitDecision cached = this.limiter.cachedRefusal(step.key());
			if (cached != null && !policies.dryRun()) {
				return Mono.error(refusal(phone, cached, List.of(cached)));
			}
		}
		return consumeInOrder(policies, steps, 0, new ArrayList<>(), phone)
			.map(decisions -> new SendAdmission(decisions, () -> giveBack(steps, decisions)));
	}

	private List<Step> sendSteps(OtpLimitPolicies policies, String phone, String ip) {
		return List.of(new Step(policies.sendPerPhone(), this.keys.sendPerPhone(phone)),
				new Step(policies.sendPerIp(), this.keys.sendPerIp(ip)),
				new Step(policies.sendGlobal(), this.keys.sendGlobal()));
	}

	/**
	 * Reserves one attempt of the phone's live code, then takes a token of the phone's failed-verification
	 * budget, or refuses: 401 {@code otp_expired}, 429 {@code otp_attempts_exhausted}, 429 {@code verify_locked}.
	 */
	public Mono<VerifyAdmission> admitVerify(OtpLimitPolicies policies, String phone, int maxAttempts) {
		LimitPolicy budget = policies.verifyFailuresPerPhone();
		String budgetKey = this.keys.verifyFailuresPerPhone(phone);
		RateLimitDecision cached = this.limiter.cachedRefusal(budgetKey);
		if (cached != null && !policies.dryRun()) {
			return Mono.error(locked(cached));
		}
		// The attempt comes first: guesses at a dead or missing code never touch the budget, so a burst of them
		// cannot lock the phone with refusals that never evaluated anything. A locked phone's reserved attempt is
		// simply spent.
		return this.store.reserveAttempt(phone, maxAttempts).flatMap(reservation -> switch (reservation.status()) {
			case NO_CODE -> Mono.error(ProblemException
				.of(ProblemCode.OTP_EXPIRED, "There is no live code for this phone; request a new one.")
				.build());
			case EXHAUSTED -> Mono.error(ProblemException
				.of(ProblemCode.OTP_ATTEMPTS_EXHAUSTED,
						"This code has used all its attempts and is no longer valid; request a new code.")
				.retryAfter(reservation.codeTtl())
				.headers(RateLimitHeaders.of(List.of(new RateLimitDecision(MAX_ATTEMPTS, false, maxAttempts, 0,
						reservation.codeTtl(), reservation.codeTtl(), false))))
				.build());
			case ADMITTED -> this.limiter.tryConsume(budget, budgetKey).flatMap(decision -> {
				this.listener.decided(decision, policies.dryRun());
				if (!decision.allowed() && !policies.dryRun()) {
					return Mono.error(locked(decision));
				}
				return Mono.just(new VerifyAdmission(decision, reservation, () -> this.limiter.refund(budget, budgetKey)));
			});
		});
	}

	/**
	 * The lock answer says how long it lasts and how out of it: anyone who knows a phone number can spend its
	 * failed-verification budget, so the customer must learn that a new code does not help and support can.
	 */
	private static ProblemException locked(RateLimitDecision decision) {
		long seconds = RetryAfter.seconds(decision.retryAfter());
		return ProblemException
			.of(ProblemCode.VERIFY_LOCKED, "Too many wrong codes were entered for this phone, so verification is locked for "
					+ duration(seconds) + " (Retry-After). A new code does not lift the lock; if these attempts were not"
					+ " yours, support can lift it sooner.")
			.retryAfter(decision.retryAfter())
			.headers(RateLimitHeaders.of(List.of(decision)))
			.cached(decision.cached())
			.build();
	}

	private static String duration(long seconds) {
		if (seconds < 120) {
			return seconds + " seconds";
		}
		return ((seconds + 59) / 60) + " minutes";
	}

	private Mono<List<RateLimitDecision>> consumeInOrder(OtpLimitPolicies policies, List<Step> steps, int index,
			List<RateLimitDecision> taken, String phone) {
		if (index == steps.size()) {
			return Mono.just(List.copyOf(taken));
		}
		Step step = steps.get(index);
		return this.limiter.tryConsume(step.policy(), step.key()).flatMap(decision -> {
			this.listener.decided(decision, policies.dryRun());
			if (decision.allowed() || policies.dryRun()) {
				if (!decision.allowed()) {
					logger.info("OTP send for " + PhoneMasker.mask(phone) + " would be refused by " + step.policy().name()
							+ " (dry run)");
				}
				List<RateLimitDecision> next = new ArrayList<>(taken);
				next.add(decision);
				return consumeInOrder(policies, steps, index + 1, next, phone);
			}
			List<RateLimitDecision> reported = new ArrayList<>(taken);
			reported.add(decision);
			return giveBack(steps, taken).then(Mono.error(refusal(phone, decision, reported)));
		});
	}

	private Mono<Void> giveBack(List<Step> steps, List<RateLimitDecision> taken) {
		Mono<Void> refunds = Mono.empty();
		for (int i = 0; i < taken.size(); i++) {
			if (taken.get(i).allowed()) {
				Step step = steps.get(i);
				refunds = refunds.then(this.limiter.refund(step.policy(), step.key()));
			}
		}
		return refunds;
	}

	private ProblemException refusal(String phone, RateLimitDecision decision, List<RateLimitDecision> reported) {
		return ProblemException
			.of(ProblemCode.RATE_LIMITED, "Too many code requests (" + decision.limitName() + "); wait before retrying.")
			.limit(decision.limitName())
			.retryAfter(decision.retryAfter())
			.headers(RateLimitHeaders.of(reported))
			.cached(decision.cached())
			.build();
	}

	private record Step(LimitPolicy policy, String key) {
	}

	/** Hears every limit decision, for metrics. */
	@FunctionalInterface
	public interface AdmissionListener {

		/** Called once per limit decision that was asked of Redis or the cache. */
		void decided(RateLimitDecision decision, boolean dryRun);

		/** Called when a fail-open limit could not ask Redis and admitted the request unchecked. */
		default void failedOpen(String limitName) {
		}

		/** A listener that does nothing. */
		static AdmissionListener none() {
			return (decision, dryRun) -> {
			};
		}

	}

}
