package kz.cvety.otp.admission;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

import kz.cvety.otp.client.ClientIpResolver.ClientIp;
import kz.cvety.otp.phone.PhoneMasker;
import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;
import kz.cvety.otp.problem.RetryAfter;
import kz.cvety.otp.pumping.PumpingGuard;
import kz.cvety.otp.pumping.PumpingPolicy;
import kz.cvety.otp.ratelimit.BucketRateLimiter;
import kz.cvety.otp.ratelimit.NamedLimit;
import kz.cvety.otp.ratelimit.RateLimitDecision;
import kz.cvety.otp.ratelimit.RateLimitHeaders;
import kz.cvety.otp.resilience.RedisGuard;
import kz.cvety.otp.store.OtpKeys;
import kz.cvety.otp.store.OtpStore;
import kz.cvety.otp.support.DetachedWork;
import kz.cvety.otp.support.OtpObservations;

/**
 * Admits or refuses OTP requests before the handler runs. Sends need a token of every send limit (per phone,
 * per number range, per IP, global); verifications need one of the code's attempts and then a token of each
 * failed-verification budget (per phone, per IP), given back unless the code turns out wrong. The pumping guard
 * refuses sends to a number range or region that converts too few codes; it counts a send on admission, taken
 * back if its code does not go out, and a verification once settled.
 * <p>
 * A send asks its limits in three phases: the phone's bucket; once it admits, its range's with the pumping guard,
 * which admits and counts the code at once; once both admit, the client IP's and the fleet's at once. Only a send
 * its own phone admits touches the range and the guard, and only one its phone, range and guard admit touches the
 * wide buckets many customers share, so a burst for one phone takes none of its range's tokens and counts nothing
 * for the guard, and one for one range takes none of its carriers' or the fleet's tokens. A burst for one phone
 * gets exactly the phone's limit: no request holds a token of the phone while its range refuses it, which, asked
 * together, refused a concurrent request at the phone's last token. The answer is the one asking the limits
 * narrow to wide gives, the guard answering before the range: the first refusal in that order answers, later
 * limits are neither reported nor counted, every token the request took is given back, and the guard's count is
 * taken back, as it is for a code the SMS provider refused. A token of the IP's or the fleet's bucket is held
 * only while a refusal by the other is settled; that can refuse a concurrent request at that bucket's last token,
 * never admit one more than a limit allows.
 */
public final class OtpAdmission {

	private static final Log logger = LogFactory.getLog(OtpAdmission.class);

	/** Limit name of the per-code attempt cap in {@code RateLimit-*} headers. */
	public static final String MAX_ATTEMPTS = "max-attempts";

	/** The send phase the pumping guard is asked in: its range's. */
	private static final int GUARD_PHASE = 1;

	/** Stands for a step whose bucket gave no decision, so nothing of it is given back. */
	private static final RateLimitDecision NOT_TAKEN = new RateLimitDecision("none", false, 0, 0, Duration.ZERO,
			Duration.ZERO, false);

	private final BucketRateLimiter limiter;

	private final OtpKeys keys;

	private final OtpStore store;

	private final AdmissionListener listener;

	private final @Nullable PumpingGuard pumpingGuard;

	private final OtpObservations observations;

	private final DetachedWork detached;

	public OtpAdmission(BucketRateLimiter limiter, OtpKeys keys, OtpStore store, AdmissionListener listener) {
		this(limiter, keys, store, listener, null, OtpObservations.NONE);
	}

	/**
	 * @param pumpingGuard the pumping guard, or null for none
	 * @param observations observes each admission (a span around its Redis steps when the application traces)
	 */
	public OtpAdmission(BucketRateLimiter limiter, OtpKeys keys, OtpStore store, AdmissionListener listener,
			@Nullable PumpingGuard pumpingGuard, OtpObservations observations) {
		this(limiter, keys, store, listener, pumpingGuard, observations, new DetachedWork());
	}

	/**
	 * @param pumpingGuard the pumping guard, or null for none
	 * @param observations observes each admission (a span around its Redis steps when the application traces)
	 * @param detached counts the work made after the answer (a guard count taken back, a verified code, refunds behind
	 * a Redis failure), for shutdown to wait for
	 */
	public OtpAdmission(BucketRateLimiter limiter, OtpKeys keys, OtpStore store, AdmissionListener listener,
			@Nullable PumpingGuard pumpingGuard, OtpObservations observations, DetachedWork detached) {
		this.limiter = limiter;
		this.keys = keys;
		this.store = store;
		this.listener = listener;
		this.pumpingGuard = pumpingGuard;
		this.observations = observations;
		this.detached = detached;
	}

	/**
	 * Takes one token of each send limit for {@code phone} from {@code client}, or refuses with 429
	 * {@code rate_limited} naming the limit.
	 * @return the admission, which knows its decisions and how to settle them
	 */
	public Mono<SendAdmission> admitSend(OtpLimits policies, String phone, ClientIp client) {
		return admitSend(policies, PumpingPolicy.OFF, phone, client);
	}

	/**
	 * Takes one token of each send limit, the pumping guard admitting and counting the code with the range's, or
	 * refuses with 429 {@code rate_limited} naming the limit ({@code pumping-guard} for the guard).
	 * @return the admission, which knows its decisions and how to settle them
	 */
	public Mono<SendAdmission> admitSend(OtpLimits policies, PumpingPolicy pumping, String phone,
			ClientIp client) {
		return this.observations.admission("send", send(policies, pumping, phone, client));
	}

	private Mono<SendAdmission> send(OtpLimits policies, PumpingPolicy pumping, String phone, ClientIp client) {
		List<List<Step>> phases = sendPhases(policies, phone, client);
		ProblemException cached = cachedRefusal(policies, phases, OtpAdmission::rateLimited);
		if (cached != null) {
			return Mono.error(cached);
		}
		List<PumpingPolicy.Target> targets = pumpingTargets(policies, pumping, phone);
		PumpingGuard guard = this.pumpingGuard;
		Function<RedisGuard.Phase, Mono<PumpingGuard.Admitted>> check = (guard == null || targets.isEmpty()) ? null
				: steps -> guard.admit(pumping, targets, steps, policies.prefixSuffixDigits(), policies.dryRun());
		// A send refused, failed or given up by its client before it was admitted sends no code: the guard's count
		// of it is taken back. Once admitted, its settlement decides; a cancel then (the client left while its SMS
		// is on its way) takes nothing back.
		return Mono.deferContextual(context -> {
			Admitting admitting = new Admitting(policies, "send", phone, OtpAdmission::rateLimited, context);
			return consume(admitting, phases, 0, check, pumping)
				.doOnError(ex -> uncount(admitting))
				.doOnCancel(() -> {
					if (admitting.handedOver.compareAndSet(false, true)) {
						uncount(admitting);
					}
				})
				.map(decisions -> {
					admitting.handedOver.set(true);
					return new SendAdmission(decisions, () -> giveBack(admitting.steps, decisions),
							() -> uncount(admitting));
				});
		});
	}

	private List<PumpingPolicy.Target> pumpingTargets(OtpLimits policies, PumpingPolicy pumping, String phone) {
		return (this.pumpingGuard != null) ? pumping.targetsOf(phone, policies.prefixSuffixDigits()) : List.of();
	}

	/**
	 * The refusal of a send to a blocked scope, until its block ends; in dry run only logs and counts the decision
	 * and answers null.
	 */
	private @Nullable ProblemException pumpingRefusal(OtpLimits policies, PumpingPolicy pumping, String phone,
			PumpingGuard.Blocked blocked) {
		RateLimitDecision decision = new RateLimitDecision(PumpingPolicy.LIMIT_NAME, false, pumping.minSends(), 0,
				blocked.left(), blocked.left(), false);
		this.listener.decided(decision, policies.dryRun());
		if (policies.dryRun()) {
			logger.info("OTP send for " + PhoneMasker.mask(phone) + " would be refused by " + PumpingPolicy.LIMIT_NAME
					+ " (dry run)");
			return null;
		}
		String scope = blocked.target().scope().tag();
		return ProblemException
			.of(ProblemCode.RATE_LIMITED, "Codes to this number's " + scope + " are paused: many codes sent to it were"
					+ " never entered (" + PumpingPolicy.LIMIT_NAME + "); wait before retrying.")
			.limit(PumpingPolicy.LIMIT_NAME)
			.retryAfter(blocked.left())
			.headers(RateLimitHeaders.of(List.of(decision)))
			.build();
	}

	/**
	 * Takes back the guard's count of a code that did not go out, without waiting for it: a count not taken back
	 * only ever makes the guard stricter.
	 */
	private void uncount(Admitting admitting) {
		PumpingGuard guard = this.pumpingGuard;
		List<PumpingGuard.Counted> counted = admitting.counted;
		if (guard != null && !counted.isEmpty()) {
			detach(guard.uncount(counted), admitting.context);
		}
	}

	private void countVerified(PumpingPolicy pumping, List<PumpingPolicy.Target> targets, ContextView context) {
		PumpingGuard guard = this.pumpingGuard;
		if (guard != null && !targets.isEmpty()) {
			detach(guard.verified(pumping, targets), context);
		}
	}

	/**
	 * Starts {@code work} that runs on after its request was answered, in the request's context: its observations
	 * are the request's (none under a request not sampled) and its log lines carry the request's ids. Its failure is
	 * its own steps' to log. Shutdown waits for it.
	 */
	private void detach(Mono<?> work, ContextView context) {
		this.detached.counted(work).onErrorResume(ex -> Mono.empty()).contextWrite(Context.of(context)).subscribe();
	}

	/**
	 * Narrow to wide: the phone and its range are where a ring walking numbers is stopped, so it never spends
	 * the per-IP tokens of a carrier address many customers share, and only a send every other limit admits
	 * touches the fleet's budget, the hottest key and the one a refusal hurts everyone on. The phone is the first
	 * phase, its range the second, the client IP and the fleet's budget the third.
	 */
	private List<List<Step>> sendPhases(OtpLimits policies, String phone, ClientIp client) {
		List<Step> own = List.of(new Step(policies.sendPerPhone(), this.keys.sendPerPhone(phone), null));
		List<Step> range = List.of(new Step(policies.sendPerPrefix(), this.keys.sendPerPrefix(policies.rangeOf(phone)),
				null));
		List<Step> wide = new ArrayList<>(2);
		Step perIp = perIp(policies.ipOverrides().find(client.address()), true, policies.sendPerIp(),
				this.keys.sendPerIp(client.limitKey()));
		if (perIp != null) {
			wide.add(perIp);
		}
		wide.add(new Step(policies.sendGlobal(), this.keys.sendGlobal(), null));
		return List.of(own, range, wide);
	}

	/**
	 * The per-IP step of a client: the default limit, its network's own (in a bucket of its own, as one key holds
	 * one configuration), or none for a network exempt from it.
	 */
	private static @Nullable Step perIp(IpOverrides.@Nullable Network network, boolean send, NamedLimit fallback,
			String key) {
		if (network == null || !(send ? network.overridesSend() : network.overridesVerify())) {
			return new Step(fallback, key, null);
		}
		NamedLimit own = send ? network.sendPerIp() : network.verifyFailuresPerIp();
		return (own != null) ? new Step(own, key + ":" + network.cidr(), network.cidr()) : null;
	}

	/**
	 * Reserves one attempt of the phone's live code, then takes a token of the phone's and of the client IP's
	 * failed-verification budgets, or refuses: 401 {@code otp_expired}, 429 {@code otp_attempts_exhausted},
	 * 429 {@code verify_locked} (the phone's budget), 429 {@code rate_limited} (the IP's).
	 */
	public Mono<VerifyAdmission> admitVerify(OtpLimits policies, String phone, ClientIp client,
			int maxAttempts) {
		return admitVerify(policies, PumpingPolicy.OFF, phone, client, maxAttempts);
	}

	/**
	 * As {@link #admitVerify(OtpLimits, String, ClientIp, int)}; a verified code counts for the pumping
	 * guard.
	 */
	public Mono<VerifyAdmission> admitVerify(OtpLimits policies, PumpingPolicy pumping, String phone,
			ClientIp client, int maxAttempts) {
		return this.observations.admission("verify", verify(policies, pumping, phone, client, maxAttempts));
	}

	private Mono<VerifyAdmission> verify(OtpLimits policies, PumpingPolicy pumping, String phone,
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
		// One phase each: the phone's budget is asked first and the address's only for a guess it admits, so a
		// burst at a locked phone never holds the tokens of an address many customers may share.
		List<List<Step>> phases = new ArrayList<>(2);
		for (Step budget : budgets) {
			phases.add(List.of(budget));
		}
		ProblemException cached = cachedRefusal(policies, phases, OtpAdmission::verifyRefusal);
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
			case ADMITTED -> Mono.deferContextual(context -> {
				Admitting admitting = new Admitting(policies, "verify", phone, OtpAdmission::verifyRefusal, context);
				return consume(admitting, phases, 0, null, pumping)
					.map(decisions -> new VerifyAdmission(decisions, reservation, () -> giveBack(budgets, decisions),
							() -> countVerified(pumping, pumpingTargets(policies, pumping, phone), context)));
			});
		});
	}

	private @Nullable ProblemException cachedRefusal(OtpLimits policies, List<List<Step>> phases,
			Refusal refusal) {
		if (policies.dryRun()) {
			return null;
		}
		// A key already known to be blocked refuses before any other limit spends a token or a Redis call.
		for (List<Step> phase : phases) {
			for (Step step : phase) {
				RateLimitDecision cached = this.limiter.cachedRefusal(step.key());
				if (cached != null) {
					return refusal.of(step, cached, List.of(cached));
				}
			}
		}
		return null;
	}

	private static ProblemException verifyRefusal(Step step, RateLimitDecision decision,
			List<RateLimitDecision> reported) {
		if (OtpLimits.VERIFY_FAILURES_PER_PHONE.equals(decision.limitName())) {
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

	/**
	 * Asks phase {@code index} and, while every limit admits, the phases after it; the {@link #GUARD_PHASE} together
	 * with the pumping guard ({@code check}: admits and counts the code), if any. Each phase is one phase of the
	 * Redis guard: its buckets (and the guard's scripts) share one deadline, one circuit-breaker call and one hop
	 * off the Redis I/O thread.
	 */
	private Mono<List<RateLimitDecision>> consume(Admitting admitting, List<List<Step>> phases, int index,
			@Nullable Function<RedisGuard.Phase, Mono<PumpingGuard.Admitted>> check, PumpingPolicy pumping) {
		if (index == phases.size()) {
			return Mono.just(List.copyOf(admitting.decisions));
		}
		List<Step> phase = phases.get(index);
		Mono<Void> decided = (check == null || index != GUARD_PHASE)
				? this.limiter.phase(steps -> askAll(phase, steps)).flatMap(answers -> decide(admitting, phase, answers))
				: this.limiter.phase(steps -> Mono.zip(check.apply(steps), askAll(phase, steps)))
					.flatMap(both -> decideWithGuard(admitting, pumping, both.getT1(), phase, both.getT2()));
		return decided.then(Mono.defer(() -> consume(admitting, phases, index + 1, check, pumping)));
	}

	/**
	 * The guard answers before the phase's limit, as if asked first: a blocked scope refuses with no token of the
	 * phase decided (every token taken is given back), a failed check fails the request.
	 */
	private Mono<Void> decideWithGuard(Admitting admitting, PumpingPolicy pumping, PumpingGuard.Admitted check,
			List<Step> phase, List<Asked> answers) {
		admitting.counted = check.counted();
		PumpingGuard.Blocked blocked = check.blocked();
		Throwable failure = check.error();
		ProblemException refusal = (blocked != null)
				? pumpingRefusal(admitting.policies, pumping, admitting.phone, blocked) : null;
		if (failure == null && refusal == null) {
			return decide(admitting, phase, answers);
		}
		admitting.took(phase, answers);
		return (failure != null) ? failGivingBack(admitting, failure) : refuseGivingBack(admitting, refusal);
	}

	/**
	 * Asks every bucket of a phase at once; each answer is a decision or the failure to get one, a bucket that did
	 * not answer by the phase's deadline included.
	 */
	private Mono<List<Asked>> askAll(List<Step> phase, RedisGuard.Steps steps) {
		if (phase.size() == 1) {
			return ask(phase.get(0), steps).map(List::of);
		}
		List<Mono<Asked>> asks = new ArrayList<>(phase.size());
		for (Step step : phase) {
			asks.add(ask(step, steps));
		}
		// Every ask runs to its end, a failed one too: a token taken by one still in flight must be known to be
		// given back.
		return Mono.zip(asks, answers -> {
			List<Asked> list = new ArrayList<>(answers.length);
			for (Object answer : answers) {
				list.add((Asked) answer);
			}
			return list;
		});
	}

	private Mono<Asked> ask(Step step, RedisGuard.Steps steps) {
		return this.limiter.tryConsume(step.policy(), step.key(), steps)
			.map(decision -> new Asked(decision, null))
			.onErrorResume(ex -> Mono.just(new Asked(null, ex)));
	}

	/**
	 * Reads a phase's answers in step order, as if each limit had been asked after the one before admitted: the
	 * first failure or refusal answers (dry run: refusals only log), and the decisions up to it are the ones
	 * counted and reported. Every token taken for a request that is not admitted is given back.
	 */
	private Mono<Void> decide(Admitting admitting, List<Step> phase, List<Asked> answers) {
		admitting.took(phase, answers);
		OtpLimits policies = admitting.policies;
		for (int i = 0; i < phase.size(); i++) {
			RateLimitDecision decision = answers.get(i).decision();
			if (decision == null) {
				return failGivingBack(admitting, answers.get(i).error());
			}
			this.listener.decided(decision, policies.dryRun());
			admitting.decisions.add(decision);
			if (!decision.allowed()) {
				Step step = phase.get(i);
				if (!policies.dryRun()) {
					return refuseGivingBack(admitting, admitting.refusal.of(step, decision, admitting.decisions));
				}
				logger.info("OTP " + admitting.operation + " for " + PhoneMasker.mask(admitting.phone)
						+ " would be refused by " + step.policy().name() + " (dry run)");
			}
		}
		return Mono.empty();
	}

	/** Gives back the tokens of the steps whose decision admitted, all at once. */
	private Mono<Void> giveBack(List<Step> steps, List<RateLimitDecision> taken) {
		List<Mono<Void>> refunds = new ArrayList<>(taken.size());
		for (int i = 0; i < taken.size(); i++) {
			if (taken.get(i).allowed()) {
				Step step = steps.get(i);
				refunds.add(this.limiter.refund(step.policy(), step.key()));
			}
		}
		return Mono.when(refunds);
	}

	/**
	 * Gives the tokens taken back, then refuses: the refunds land before the answer, so a client that retries at
	 * once finds them, and a refund that fails (its step logs why) must not take the refusal's place.
	 */
	private Mono<Void> refuseGivingBack(Admitting admitting, ProblemException refusal) {
		return giveBack(admitting.steps, admitting.taken).onErrorResume(ex -> Mono.empty()).then(Mono.error(refusal));
	}

	/**
	 * Fails with {@code failure} at once and gives the tokens back behind it: the answer to a Redis failure must not
	 * wait for refunds Redis may not answer either, and a refund that fails must not take the failure's place.
	 */
	private Mono<Void> failGivingBack(Admitting admitting, Throwable failure) {
		return Mono.defer(() -> {
			detach(giveBack(admitting.steps, admitting.taken), admitting.context);
			return Mono.error(failure);
		});
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
	private record Step(NamedLimit policy, String key, @Nullable String network) {
	}

	/** One request's way through the phases of its limits. */
	private static final class Admitting {

		final OtpLimits policies;

		final String operation;

		final String phone;

		final Refusal refusal;

		/** Every step asked so far, in order. */
		final List<Step> steps = new ArrayList<>(4);

		/** Each asked step's decision, {@link #NOT_TAKEN} where there is none: what a refund gives back. */
		final List<RateLimitDecision> taken = new ArrayList<>(4);

		/** The decisions counted and reported: those up to the first refusal in order. */
		final List<RateLimitDecision> decisions = new ArrayList<>(4);

		/** The pumping guard's counts of this code, taken back if it does not go out. */
		volatile List<PumpingGuard.Counted> counted = List.of();

		/** The request's context, which work that runs on after the answer keeps. */
		final ContextView context;

		/** Whether the admission was handed on, so that its settlement, not a cancel, decides on the counts. */
		final AtomicBoolean handedOver = new AtomicBoolean();

		Admitting(OtpLimits policies, String operation, String phone, Refusal refusal, ContextView context) {
			this.policies = policies;
			this.operation = operation;
			this.phone = phone;
			this.refusal = refusal;
			this.context = context;
		}

		void took(List<Step> phase, List<Asked> answers) {
			this.steps.addAll(phase);
			for (Asked answer : answers) {
				RateLimitDecision decision = answer.decision();
				this.taken.add((decision != null) ? decision : NOT_TAKEN);
			}
		}

	}

	/** A bucket's answer: its decision, or, when there is none, why. */
	private record Asked(@Nullable RateLimitDecision decision, @Nullable Throwable error) {
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
