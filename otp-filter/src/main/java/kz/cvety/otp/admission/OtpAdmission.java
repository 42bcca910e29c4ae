package kz.cvety.otp.admission;

import java.util.ArrayList;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import kz.cvety.otp.client.ClientIpResolver.ClientIp;
import kz.cvety.otp.phone.PhoneMasker;
import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;
import kz.cvety.otp.problem.RetryAfter;
import kz.cvety.otp.pumping.PumpingGuard;
import kz.cvety.otp.pumping.PumpingPolicy;
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
 * takes no token of any other limit. Before any token, the pumping guard refuses sends to a number range or
 * region that converts too few codes; settled sends and verifications are counted for it.
 */
public final class OtpAdmission {

	private static final Log logger = LogFactory.getLog(OtpAdmission.class);

	/** Limit name of the per-code attempt cap in {@code RateLimit-*} headers. */
	public static final String MAX_ATTEMPTS = "max-attempts";

	private final BucketRateLimiter limiter;

	private final OtpKeys keys;

	private final OtpStore store;

	private final AdmissionListener listener;

	private final @Nullable PumpingGuard pumpingGuard;

	private final OtpObservations observations;

	public OtpAdmission(BucketRateLimiter limiter, OtpKeys keys, OtpStore store, AdmissionListener listener) {
		this(limiter, keys, store, listener, null, OtpObservations.NONE);
	}

	/**
	 * @param pumpingGuard the pumping guard, or null for none
	 * @param observations observes each admission (a span around its Redis steps when the application traces)
	 */
	public OtpAdmission(BucketRateLimiter limiter, OtpKeys keys, OtpStore store, AdmissionListener listener,
			@Nullable PumpingGuard pumpingGuard, OtpObservations observations) {
		this.limiter = limiter;
		this.keys = keys;
		this.store = store;
		this.listener = listener;
		this.pumpingGuard = pumpingGuard;
		this.observations = observations;
	}

	/**
	 * Takes one token of each send limit for {@code phone} from {@code client}, or refuses with 429
	 * {@code rate_limited} naming the limit.
	 * @return the admission, which knows its decisions and how to settle them
	 */
	public Mono<SendAdmission> admitSend(OtpLimitPolicies policies, String phone, ClientIp client) {
		return admitSend(policies, PumpingPolicy.OFF, phone, client);
	}

	/**
	 * Asks the pumping guard about the phone's range and region, then takes one token of each send limit, or
	 * refuses with 429 {@code rate_limited} naming the limit ({@code pumping-guard} for the guard).
	 * @return the admission, which knows its decisions and how to settle them
	 */
	public Mono<SendAdmission> admitSend(OtpLimitPolicies policies, PumpingPolicy pumping, String phone,
			ClientIp client) {
		return this.observations.admission("send", send(policies, pumping, phone, client));
	}

	private Mono<SendAdmission> send(OtpLimitPolicies policies, PumpingPolicy pumping, String phone, ClientIp client) {
		List<Step> steps = sendSteps(policies, phone, client);
		ProblemException cached = cachedRefusal(policies, steps, OtpAdmission::rateLimited);
		if (cached != null) {
			return Mono.error(cached);
		}
		List<PumpingPolicy.Target> targets = pumpingTargets(policies, pumping, phone);
		Mono<SendAdmission> tokens = consumeInOrder(policies, steps, 0, new ArrayList<>(), "send", phone,
				OtpAdmission::rateLimited)
			.map(decisions -> new SendAdmission(decisions, () -> giveBack(steps, decisions),
					() -> countSent(policies, pumping, targets)));
		PumpingGuard guard = this.pumpingGuard;
		if (guard == null || targets.isEmpty()) {
			return tokens;
		}
		return guard.check(targets).flatMap(blocked -> pumpingRefusal(policies, pumping, phone, blocked)).then(tokens);
	}

	private List<PumpingPolicy.Target> pumpingTargets(OtpLimitPolicies policies, PumpingPolicy pumping, String phone) {
		return (this.pumpingGuard != null) ? pumping.targetsOf(phone, policies.prefixSuffixDigits()) : List.of();
	}

	/** Refuses a send to a blocked scope, until its block ends; in dry run only logs and counts the decision. */
	private Mono<Void> pumpingRefusal(OtpLimitPolicies policies, PumpingPolicy pumping, String phone,
			PumpingGuard.Blocked blocked) {
		RateLimitDecision decision = new RateLimitDecision(PumpingPolicy.LIMIT_NAME, false, pumping.minSends(), 0,
				blocked.left(), blocked.left(), false);
		this.listener.decided(decision, policies.dryRun());
		if (policies.dryRun()) {
			logger.info("OTP send for " + PhoneMasker.mask(phone) + " would be refused by " + PumpingPolicy.LIMIT_NAME
					+ " (dry run)");
			return Mono.empty();
		}
		String scope = blocked.target().scope().tag();
		return Mono.error(ProblemException
			.of(ProblemCode.RATE_LIMITED, "Codes to this number's " + scope + " are paused: many codes sent to it were"
					+ " never entered (" + PumpingPolicy.LIMIT_NAME + "); wait before retrying.")
			.limit(PumpingPolicy.LIMIT_NAME)
			.retryAfter(blocked.left())
			.headers(RateLimitHeaders.of(List.of(decision)))
			.build());
	}

	/** Counts a sent code for the guard once the answer is out: a lost count only ever admits more. */
	private void countSent(OtpLimitPolicies policies, PumpingPolicy pumping, List<PumpingPolicy.Target> targets) {
		PumpingGuard guard = this.pumpingGuard;
		if (guard != null && !targets.isEmpty()) {
			guard.sent(pumping, targets, policies.prefixSuffixDigits(), policies.dryRun())
				.onErrorResume(ex -> Mono.empty())
				.subscribe();
		}
	}

	private void countVerified(PumpingPolicy pumping, List<PumpingPolicy.Target> targets) {
		PumpingGuard guard = this.pumpingGuard;
		if (guard != null && !targets.isEmpty()) {
			guard.verified(pumping, targets).onErrorResume(ex -> Mono.empty()).subscribe();
		}
	}

	/**
	 * Narrow to wide: the phone and its range are where a ring walking numbers is stopped, so it never spends
	 * the per-IP tokens of a carrier address many customers share, and only a send every other limit admits
	 * touches the fleet's budget, the hottest key and the one a refusal hurts everyone on.
	 */
	private List<Step> sendSteps(OtpLimitPolicies policies, String phone, ClientIp client) {
		List<Step> steps = new ArrayList<>(4);
		steps.add(new Step(policies.sendPerPhone(), this.keys.sendPerPhone(phone), null));
		steps.add(new Step(policies.sendPerPrefix(), this.keys.sendPerPrefix(policies.rangeOf(phone)), null));
		Step perIp = perIp(policies.ipOverrides().find(client.address()), true, policies.sendPerIp(),
				this.keys.sendPerIp(client.limitKey()));
		if (perIp != null) {
			steps.add(perIp);
		}
		steps.add(new Step(policies.sendGlobal(), this.keys.sendGlobal(), null));
		return steps;
	}

	/**
	 * The per-IP step of a client: the default limit, its network's own (in a bucket of its own, as one key holds
	 * one configuration), or none for a network exempt from it.
	 */
	private static @Nullable Step perIp(IpOverrides.@Nullable Network network, boolean send, LimitPolicy fallback,
			String key) {
		if (network == null || !(send ? network.overridesSend() : network.overridesVerify())) {
			return new Step(fallback, key, null);
		}
		LimitPolicy own = send ? network.sendPerIp() : network.verifyFailuresPerIp();
		return (own != null) ? new Step(own, key + ":" + network.cidr(), network.cidr()) : null;
	}

	/**
	 * Reserves one attempt of the phone's live code, then takes a token of the phone's and of the client IP's
	 * failed-verification budgets, or refuses: 401 {@code otp_expired}, 429 {@code otp_attempts_exhausted},
	 * 429 {@code verify_locked} (the phone's budget), 429 {@code rate_limited} (the IP's).
	 */
	public Mono<VerifyAdmission> admitVerify(OtpLimitPolicies policies, String phone, ClientIp client,
			int maxAttempts) {
		return admitVerify(policies, PumpingPolicy.OFF, phone, client, maxAttempts);
	}

	/**
	 * As {@link #admitVerify(OtpLimitPolicies, String, ClientIp, int)}; a verified code counts for the pumping
	 * guard.
	 */
	public Mono<VerifyAdmission> admitVerify(OtpLimitPolicies policies, PumpingPolicy pumping, String phone,
			ClientIp client, int maxAttempts) {
		return this.observations.admission("verify", verify(policies, pumping, phone, client, maxAttempts));
	}

	private Mono<VerifyAdmission> verify(OtpLimitPolicies policies, PumpingPolicy pumping, String phone,
			ClientIp client, int maxAttempts) {
		// The phone's budget answers first: its lock is what the customer must hear about (a new code does not
		// lift it), and at the defaults it is the longer wait, so its Retry-After is the honest one.
		List<Step> budgets = new ArrayList<>(2);
		budgets.add(new Step(policies.verifyFailuresPerPhone(), this.keys.verifyFailuresPerPhone(phone), null));
		Step perIp = perIp(policies.ipOverrides().find(client.address()), false, policies.verifyFailuresPerIp(),
				this.keys.verifyFailuresPerIp(client.limitKey()));
		if (perIp != null) {
			budgets.add(perIp);
		}
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
				.map(decisions -> new VerifyAdmission(decisions, reservation, () -> giveBack(budgets, decisions),
						() -> countVerified(pumping, pumpingTargets(policies, pumping, phone))));
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
				return refusal.of(step, cached, List.of(cached));
			}
		}
		return null;
	}

	private static ProblemException verifyRefusal(Step step, RateLimitDecision decision,
			List<RateLimitDecision> reported) {
		if (OtpLimitPolicies.VERIFY_FAILURES_PER_PHONE.equals(decision.limitName())) {
			return locked(decision);
		}
		return withNetwork(step, ProblemException
			.of(ProblemCode.RATE_LIMITED, "Too many wrong codes were entered from this network ("
					+ limitText(step, decision) + "); wait before retrying.")
			.limit(decision.limitName()))
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
			return giveBack(steps, taken).then(Mono.error(refusal.of(step, decision, reported)));
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

	private static ProblemException rateLimited(Step step, RateLimitDecision decision,
			List<RateLimitDecision> reported) {
		return withNetwork(step, ProblemException
			.of(ProblemCode.RATE_LIMITED, "Too many code requests (" + limitText(step, decision)
					+ "); wait before retrying.")
			.limit(decision.limitName()))
			.retryAfter(decision.retryAfter())
			.headers(RateLimitHeaders.of(reported))
			.cached(decision.cached())
			.build();
	}

	private static String limitText(Step step, RateLimitDecision decision) {
		return (step.network() != null) ? decision.limitName() + " of network " + step.network() : decision.limitName();
	}

	/** A refusal by a network's own per-IP limit names the network, so ops see which override answered. */
	private static ProblemException.Builder withNetwork(Step step, ProblemException.Builder problem) {
		return (step.network() != null) ? problem.extra("network", step.network()) : problem;
	}

	/**
	 * One limit a request must pass.
	 *
	 * @param network the configured network whose own limit this is, or null for the default
	 */
	private record Step(LimitPolicy policy, String key, @Nullable String network) {
	}

	/** The answer to a refusing decision, given the decisions taken so far and it. */
	@FunctionalInterface
	private interface Refusal {

		ProblemException of(Step step, RateLimitDecision decision, List<RateLimitDecision> reported);

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
