package kz.cvety.otp.metrics;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.jspecify.annotations.Nullable;

import kz.cvety.otp.admission.OtpAdmission.AdmissionListener;
import kz.cvety.otp.admission.OtpLimits;
import kz.cvety.otp.admission.SendOutcome;
import kz.cvety.otp.admission.VerifyOutcome;
import kz.cvety.otp.pumping.PumpingGuard;
import kz.cvety.otp.pumping.PumpingPolicy;
import kz.cvety.otp.pumping.PumpingScope;
import kz.cvety.otp.ratelimit.RateLimitDecision;
import kz.cvety.otp.resilience.RedisGuard;

/**
 * The OTP feature's Micrometer meters: sends and verifications by outcome, limit decisions by limit and
 * outcome, SMS and Redis latency, and the send-to-verify conversion ratio an
 * SMS-pumping alarm watches. No phone number is ever a tag.
 */
public final class OtpMetrics implements AdmissionListener, RedisGuard.StepObserver, PumpingGuard.Listener {

	/**
	 * Counter of request-otp that reached the handler, tag {@code outcome}: sent, failed (refunded: the provider
	 * certainly received nothing), unconfirmed (tokens kept: the provider may have taken it), test_number.
	 */
	public static final String SENDS = "cvety.otp.sends";

	/** Counter of verify-otp, tag {@code outcome}: verified, invalid, expired, exhausted, locked, rate_limited. */
	public static final String VERIFICATIONS = "cvety.otp.verifications";

	/** Counter of limit decisions, tags {@code limit}, {@code outcome}, {@code source}. */
	public static final String LIMIT_DECISIONS = "cvety.otp.limit.decisions";

	/** Timer of SMS sends, tag {@code outcome}: success, failure. */
	public static final String SMS_SEND = "cvety.otp.sms.send";

	/** Timer of Redis steps, tags {@code step} and {@code outcome}. */
	public static final String REDIS_STEP = "cvety.otp.redis.step";

	/** Gauge: verified / sent over the last 15 minutes on this instance. */
	public static final String CONVERSION_RATIO = "cvety.otp.conversion.ratio";

	/** Counter of phones support unblocked through the {@code otp} actuator endpoint. */
	public static final String SUPPORT_UNBLOCKS = "cvety.otp.support.unblocks";

	/**
	 * Counter of scopes the pumping guard suspected (and blocked, unless in dry run), tags {@code scope} (range,
	 * region) and {@code dry_run}; its refusals count as {@link #LIMIT_DECISIONS} of limit {@code pumping-guard}.
	 */
	public static final String PUMPING_SUSPECTED = "cvety.otp.pumping.suspected";

	private static final int WINDOW_MINUTES = 15;

	private final MeterRegistry registry;

	// Meters are looked up per event on the hot path; building and registering one each time costs a tag sort and a
	// registry lookup, so each is kept once made, under a key of its name and tag values (no string building).
	private final Map<MeterKey, Counter> counters = new ConcurrentHashMap<>();

	private final Map<MeterKey, Timer> timers = new ConcurrentHashMap<>();

	private final Clock clock;

	// One slot per minute for the conversion window: [minute index] -> count; slot reuse resets stale minutes.
	private final AtomicLongArray sentPerMinute = new AtomicLongArray(WINDOW_MINUTES);

	private final AtomicLongArray verifiedPerMinute = new AtomicLongArray(WINDOW_MINUTES);

	private final AtomicLongArray slotMinute = new AtomicLongArray(WINDOW_MINUTES);

	public OtpMetrics(MeterRegistry registry, Clock clock) {
		this.registry = registry;
		this.clock = clock;
		Gauge.builder(CONVERSION_RATIO, this, OtpMetrics::conversionRatio)
			.description("Verified codes per sent code over the last 15 minutes (SMS pumping shows as a fall)")
			.register(registry);
		// Series exist from the start at zero, so rate() and alerts see the first event too.
		for (String outcome : List.of("sent", "failed", "unconfirmed", "test_number")) {
			sendCounter(outcome);
		}
		for (String outcome : List.of("verified", "invalid", "expired", "exhausted", "locked", "rate_limited")) {
			verifyCounter(outcome);
		}
		for (String limit : OtpLimits.NAMES) {
			decisionCounter(limit, "admitted", "redis");
			decisionCounter(limit, "refused", "redis");
		}
		decisionCounter(PumpingPolicy.LIMIT_NAME, "refused", "redis");
		for (PumpingScope scope : PumpingScope.values()) {
			suspectedCounter(scope, false);
		}
	}

	/**
	 * Meters of the same kind in a registry of their own that nothing publishes or scrapes: for requests that must
	 * run what a customer's run without counting as one (the start-up warm-up's).
	 */
	public static OtpMetrics detached() {
		return new OtpMetrics(new SimpleMeterRegistry(), Clock.systemUTC());
	}

	/** Counts a request-otp outcome: {@code sent}, {@code failed}, {@code unconfirmed} or {@code test_number}. */
	public void send(SendOutcome outcome) {
		sendCounter(outcome.tag()).increment();
		if (outcome == SendOutcome.SENT || outcome == SendOutcome.TEST_NUMBER) {
			add(this.sentPerMinute);
		}
	}

	/** Counts a verify-otp outcome: verified, invalid, expired, exhausted, locked or rate_limited. */
	public void verify(VerifyOutcome outcome) {
		verifyCounter(outcome.tag()).increment();
		if (outcome == VerifyOutcome.VERIFIED) {
			add(this.verifiedPerMinute);
		}
	}

	@Override
	public void decided(RateLimitDecision decision, boolean dryRun) {
		String outcome = decision.allowed() ? "admitted" : (dryRun ? "dry_run_refused" : "refused");
		decision(decision.limitName(), outcome, decision.cached() ? "cache" : "redis");
	}

	@Override
	public void suspected(PumpingScope scope, boolean dryRun) {
		suspectedCounter(scope, dryRun).increment();
	}

	@Override
	public void failedOpen(String limitName) {
		decision(limitName, "failed_open", "redis");
	}

	@Override
	public void observe(String step, long nanos, boolean success) {
		String outcome = success ? "success" : "failure";
		this.timers.computeIfAbsent(new MeterKey(REDIS_STEP, step, outcome, null), key -> Timer.builder(REDIS_STEP)
			.description("Latency of the OTP feature's Redis steps")
			.tag("step", step)
			.tag("outcome", outcome)
			.publishPercentileHistogram()
			.register(this.registry)).record(nanos, TimeUnit.NANOSECONDS);
	}

	/** Records one SMS send. */
	public void smsSent(Duration took, boolean success) {
		String outcome = success ? "success" : "failure";
		this.timers.computeIfAbsent(new MeterKey(SMS_SEND, outcome, null, null), key -> Timer.builder(SMS_SEND)
			.description("Latency of SMS sends, retries included")
			.tag("outcome", outcome)
			.publishPercentileHistogram()
			.register(this.registry)).record(took);
	}

	/** The counter of support unblocks, registered (at zero) on first call. */
	public Counter supportUnblocks() {
		return this.counters.computeIfAbsent(new MeterKey(SUPPORT_UNBLOCKS, "", null, null),
				key -> Counter.builder(SUPPORT_UNBLOCKS)
					.description("Phones whose code and per-phone buckets support cleared")
					.register(this.registry));
	}

	/** Verified / sent over the last 15 minutes; NaN when nothing was sent. */
	double conversionRatio() {
		long minute = currentMinute();
		long sent = 0;
		long verified = 0;
		for (int slot = 0; slot < WINDOW_MINUTES; slot++) {
			if (minute - this.slotMinute.get(slot) < WINDOW_MINUTES) {
				sent += this.sentPerMinute.get(slot);
				verified += this.verifiedPerMinute.get(slot);
			}
		}
		return (sent == 0) ? Double.NaN : Math.min(1.0, (double) verified / sent);
	}

	private void decision(String limit, String outcome, String source) {
		decisionCounter(limit, outcome, source).increment();
	}

	private Counter sendCounter(String outcome) {
		return this.counters.computeIfAbsent(new MeterKey(SENDS, outcome, null, null), key -> Counter.builder(SENDS)
			.description("Codes requested that reached the handler, by outcome")
			.tag("outcome", outcome)
			.register(this.registry));
	}

	private Counter verifyCounter(String outcome) {
		return this.counters.computeIfAbsent(new MeterKey(VERIFICATIONS, outcome, null, null),
				key -> Counter.builder(VERIFICATIONS)
					.description("Verification attempts, by outcome")
					.tag("outcome", outcome)
					.register(this.registry));
	}

	private Counter suspectedCounter(PumpingScope scope, boolean dryRun) {
		return this.counters.computeIfAbsent(new MeterKey(PUMPING_SUSPECTED, scope.tag(), Boolean.toString(dryRun), null),
				key -> Counter.builder(PUMPING_SUSPECTED)
					.description("Number ranges and regions the SMS-pumping guard suspected of pumping")
					.tag("scope", scope.tag())
					.tag("dry_run", Boolean.toString(dryRun))
					.register(this.registry));
	}

	private Counter decisionCounter(String limit, String outcome, String source) {
		return this.counters.computeIfAbsent(new MeterKey(LIMIT_DECISIONS, limit, outcome, source),
				key -> Counter.builder(LIMIT_DECISIONS)
					.description("Rate limit decisions, by limit and outcome")
					.tag("limit", limit.toLowerCase(Locale.ROOT))
					.tag("outcome", outcome)
					.tag("source", source)
					.register(this.registry));
	}

	private void add(AtomicLongArray counts) {
		long minute = currentMinute();
		int slot = (int) (minute % WINDOW_MINUTES);
		long previous = this.slotMinute.get(slot);
		if (previous != minute && this.slotMinute.compareAndSet(slot, previous, minute)) {
			this.sentPerMinute.set(slot, 0);
			this.verifiedPerMinute.set(slot, 0);
		}
		counts.incrementAndGet(slot);
	}

	private long currentMinute() {
		return this.clock.millis() / 60_000;
	}

	private record MeterKey(String name, String first, @Nullable String second, @Nullable String third) {
	}

}
