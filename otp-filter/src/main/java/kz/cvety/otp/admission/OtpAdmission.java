package kz.cvety.otp.admission;

import java.util.ArrayList;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
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
import kz.cvety.otp.support.OtpObservations;

/**
 * Admits or refuses OTP requests before the handler runs. Sends need a token of every send limit (per phone,
 * per number range, per IP, global); verifications need one of the code's attempts and then a token of each
 * failed-verification budget (per phone, per IP), given back unless the code turns out wrong. A refused request
 * takes no token of any other limit.
 */
public final class OtpAdmission {

	private static final Log logger = LogFactory.getLog(OtpAdmission.class);

	/** Limit name of the per-code attempt cap in {@code RateLimit-*} headers. */
	public static final String MAX_ATTEMPTS = "max-attempts";

	private final BucketRateLimiter limiter;

	private final OtpKeys keys;

	private final OtpStore store;

	private final AdmissionListener listener;

	private final OtpObservations observations;

	public OtpAdmission(BucketRateLimiter limiter, OtpKeys keys, OtpStore store, AdmissionListener listener) {
		this(limiter, keys, store, listener, OtpObservations.NONE);
	}

	/**
	 * @param observations observes each admission (a span around its Redis steps when the application traces)
	 */
	public OtpAdmission(BucketRateLimiter limiter, OtpKeys keys, OtpStore store, AdmissionListener listener,
			OtpObservations observations) {
		this.limiter = limiter;
		this.keys = keys;
		this.store = store;
		this.listener = listener;
		this.observations = observations;
	}

	/**
	 * Takes one token of each send limit for {@code phone} from {@code ip}, or refuses with 429
	 * {@code rate_limited} naming the limit.
	 * @return the admission, which knows its decisions and how to settle them
	 */
	public Mono<SendAdmission> admitSend(OtpLimitPolicies policies, String phone, String ip) {
		return this.observations.admission("send", send(policies, phone, ip));
	}

	private Mono<SendAdmission> send(OtpLimitPolicies policies, String phone, String ip) {
		List<Step> steps = sendSteps(policies, phone, ip);
		ProblemException cached = cachedRefusal(policies, steps, OtpAdmission::rateLimited);
		if (cached != null) {
			return Mono.error(cached);
		}
		return consumeInOrder(policies, steps, 0, new ArrayList<>(), "send", phone, OtpAdmission::rateLimited)
			.map(decisions -> new SendAdmission(decisions, () -> giveBack(steps, decisions)));
	}

	/**
	 * Narrow to wide: the phone and its range are where a ring walking numbers is stopped, so it never spends
	 * the per-IP tokens of a carrier address many customers share, and only a send every other limit admits
	 * touches the fleet's budget, the hottest key and the one a refusal hurts everyone on.
	 */
	private List<Step> sendSteps(OtpLimitPolicies policies, String phone, String ip) {
		return List.of(new Step(policies.sendPerPhone(), this.keys.sendPerPhone(phone)),
				new Step(policies.sendPerPrefix(), this.keys.sendPerPrefix(policies.rangeOf(phone))),
				new Step(policies.sendPerIp(), this.keys.sendPerIp(ip)),
				new Step(policies.sendGlobal(), this.keys.sendGlobal()));
	}

	/**
	 * Reserves one attempt of the phone's live code, then takes a token of the phone's and of the client IP's
	 * failed-verification budgets, or refuses: 401 {@code otp_expired}, 429 {@code otp_attempts_exhausted},
	 * 429 {@code verify_locked} (the phone's budget), 429 {@code rate_limited} (the IP's).
	 */
	public Mono<VerifyAdmission> admitVerify(OtpLimitPolicies policies, String phone, String ip, int maxAttempts) {
		return this.observations.admission("verify", verify(policies, phone, ip, maxAttempts));
	}

	private Mono<VerifyAdmission> verify(OtpLimitPolicies policies, String phone, String ip, int maxAttempts) {
		// The phone's budget answers first: its lock is what the customer must hear about (a new code does not
		// lift it), and at the defaults it is the longer wait, so its Retry-After is the honest one.
		List<Step> budgets = List.of(new Step(policies.verifyFailuresPerPhone(), this.keys.verifyFailuresPerPhone(phone)),
				new Step(policies.verifyFailuresPerIp(), this.keys.verifyFailuresPerIp(ip)));
		ProblemException cached = cachedRefusal(policies, budgets, OtpAdmission::verifyRefusal);
		if (cached != null) {
			return Mono.error(cached);
		}
		// The attempt comes first: guesses at a dead or missing code never touch the budgets, so a burst of them
		// cannot lock the phone or the address with refusals that never evaluated anything. A refused request's
		// reserved attempt is simply spent.
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
			case ADMITTED -> consumeInOrder(policies, budgets, 0, new ArrayList<>(), "verify", phone,
					OtpAdmission::verifyRefusal)
				.map(decisions -> new VerifyAdmission(decisions, reservation, () -> giveBack(budgets, decisions)));
		});
	}

	private @Nullable ProblemException cachedRefusal(OtpLimitPolicies policies, List<Step> steps, Refusal refusal) {
		if (policies.dryRun()) {
			return null;
		}
		// A key already known to be blocked refuses before any other limit spends a token or a Redis call.
		for (Step step : steps) {
			RateLimitDecision cached = this.limiter.cachedRefusal(step.key());
			if (cached != null) {
				return refusal.of(cached, List.of(cached));
			}
		}
		return null;
	}

	private static ProblemException verifyRefusal(RateLimitDecision decision, List<RateLimitDecision> reported) {
		if (OtpLimitPolicies.VERIFY_FAILURES_PER_PHONE.equals(decision.limitName())) {
			return locked(decision);
		}
		return ProblemException
			.of(ProblemCode.RATE_LIMITED, "Too many wrong codes were entered from this network ("
					+ decision.limitName() + "); wait before retrying.")
			.limit(decision.limitName())
			.retryAfter(decision.retryAfter())
			.headers(RateLimitHeaders.of(reported))
			.cached(decision.cached())
			.build();
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
			List<RateLimitDecision> taken, String operation, String phone, Refusal refusal) {
		if (index == steps.size()) {
			return Mono.just(List.copyOf(taken));
		}
		Step step = steps.get(index);
		return this.limiter.tryConsume(step.policy(), step.key()).flatMap(decision -> {
			this.listener.decided(decision, policies.dryRun());
			if (decision.allowed() || policies.dryRun()) {
				if (!decision.allowed()) {
					logger.info("OTP " + operation + " for " + PhoneMasker.mask(phone) + " would be refused by "
							+ step.policy().name() + " (dry run)");
				}
				List<RateLimitDecision> next = new ArrayList<>(taken);
				next.add(decision);
				return consumeInOrder(policies, steps, index + 1, next, operation, phone, refusal);
			}
			List<RateLimitDecision> reported = new ArrayList<>(taken);
			reported.add(decision);
			return giveBack(steps, taken).then(Mono.error(refusal.of(decision, reported)));
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

	private static ProblemException rateLimited(RateLimitDecision decision, List<RateLimitDecision> reported) {
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

	/** The answer to a refusing decision, given the decisions taken so far and it. */
	@FunctionalInterface
	private interface Refusal {

		ProblemException of(RateLimitDecision decision, List<RateLimitDecision> reported);

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
