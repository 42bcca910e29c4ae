package kz.cvety.otp.web;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.ApplicationListener;

import kz.cvety.otp.OtpSettings;
import kz.cvety.otp.OtpSettingsHolder;
import kz.cvety.otp.OtpService;
import kz.cvety.otp.admission.IpOverrides;
import kz.cvety.otp.admission.OtpAdmission;
import kz.cvety.otp.admission.OtpLimits;
import kz.cvety.otp.admission.SendOutcome;
import kz.cvety.otp.admission.VerifyOutcome;
import kz.cvety.otp.client.ClientIpResolver.ClientIp;
import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;
import kz.cvety.otp.ratelimit.Limit;
import kz.cvety.otp.ratelimit.NamedLimit;
import kz.cvety.otp.ratelimit.Refill;
import kz.cvety.otp.store.OtpKeys;

/**
 * Drives the OTP paths (JSON reading, phone parsing, send and verify admission, the store scripts, a refusal,
 * problem writing) on throwaway keys and a sender that sends nothing, enough passes for the JIT to compile them,
 * after start-up and before readiness; its keys are deleted afterwards. A cold JVM otherwise runs a burst's
 * first requests through class loading and the interpreter, inside the Redis step time-out.
 */
public final class OtpWarmUp implements ApplicationListener<ApplicationStartedEvent> {

	/** Key segment after the key prefix under which every warm-up key lies. */
	public static final String KEY_SEGMENT = "warm-up:";

	private static final Log logger = LogFactory.getLog(OtpWarmUp.class);

	private static final String REQUEST_OTP = "/api/auth/request-otp";

	private static final String VERIFY_OTP = "/api/auth/verify-otp";

	private static final Duration CODE_TTL = Duration.ofSeconds(10);

	private static final Duration CLEAN_UP_WAIT = Duration.ofSeconds(2);

	private static final int CLIENTS = 4;

	private final OtpSettingsHolder policies;

	private final Throwaway throwaway;

	private final WarmUpProperties settings;

	private final OtpRequestReader reader = new OtpRequestReader();

	private final AtomicBoolean started = new AtomicBoolean();

	private volatile Progress progress = new Progress(false, false, 0, 0, Duration.ZERO, null);

	public OtpWarmUp(OtpSettingsHolder policies, Throwaway throwaway, WarmUpProperties settings) {
		this.policies = policies;
		this.throwaway = throwaway;
		this.settings = settings;
	}

	/** How far the warm-up got; readiness waits for {@link Progress#finished()}. */
	public Progress progress() {
		return this.progress;
	}

	@Override
	public void onApplicationEvent(ApplicationStartedEvent event) {
		if (this.started.compareAndSet(false, true)) {
			run();
		}
	}

	/** Runs the passes, waiting at most the configured time-out; on the start-up thread, before readiness. */
	void run() {
		long started = System.nanoTime();
		int passes = this.settings.getPasses();
		if (passes == 0) {
			this.progress = new Progress(true, true, 0, 0, Duration.ZERO, null);
			logger.info("OTP warm-up is off (" + WarmUpProperties.PREFIX + ".passes: 0)");
			return;
		}
		OtpSettings real = this.policies.get();
		OtpSettings policy = throwawayPolicy(real);
		Set<String> keys = ConcurrentHashMap.newKeySet();
		AtomicInteger done = new AtomicInteger();
		AtomicInteger failed = new AtomicInteger();
		AtomicReference<String> failure = new AtomicReference<>();
		CountDownLatch finished = new CountDownLatch(1);
		Disposable running = Flux.range(0, passes)
			.flatMap(pass -> pass(policy, pass, keys).doOnError(ex -> {
				failure.compareAndSet(null, ex.toString());
				// A Redis that fails a round of passes is down or too slow: readiness need not wait out the time-out.
				if (failed.incrementAndGet() >= this.settings.getConcurrency()) {
					finished.countDown();
				}
			}).onErrorResume(ex -> Mono.empty()).doOnSuccess(ignored -> done.incrementAndGet()),
					this.settings.getConcurrency())
			.doFinally(signal -> finished.countDown())
			.subscribe();
		boolean complete;
		try {
			complete = finished.await(this.settings.getTimeout().toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			complete = false;
		}
		running.dispose();
		cleanUp(keys);
		Duration took = Duration.ofNanos(System.nanoTime() - started);
		int ran = done.get();
		int failures = failed.get();
		if (complete && failures == 0) {
			// Logged first, so no readiness answer can be UP before the line is out.
			logger.info("OTP paths warmed up: " + ran + " passes in " + took.toMillis() + " ms");
			this.progress = new Progress(true, true, ran, 0, took, null);
			return;
		}
		String problem = (failures > 0) ? failures + " of " + ran + " passes failed, first: " + failure.get()
				: "gave up after " + this.settings.getTimeout() + " with " + ran + " of " + passes + " passes done";
		// Ready anyway: an instance kept out until Redis is fast would leave a fleet restarted during a Redis
		// incident with none ready, and the readiness group's own Redis check covers Redis being unreachable.
		logger.warn("OTP warm-up incomplete (" + problem + "); reporting ready anyway, the first requests may be slow");
		this.progress = new Progress(true, false, ran, failures, took, problem);
	}

	private OtpSettings throwawayPolicy(OtpSettings real) {
		OtpLimits limits = new OtpLimits(
				policy(OtpLimits.SEND_PER_PHONE, "2/1m"), policy(OtpLimits.SEND_PER_PREFIX, "1000000/1m"),
				policy(OtpLimits.SEND_PER_IP, "1000000/1m"), policy(OtpLimits.SEND_GLOBAL, "1000000/1m"),
				policy(OtpLimits.VERIFY_FAILURES_PER_PHONE, "1000/1m"),
				policy(OtpLimits.VERIFY_FAILURES_PER_IP, "1000000/1m"), real.limits().prefixSuffixDigits(),
				false, IpOverrides.NONE);
		// No test numbers: the code takes the SMS path, to a sender that sends nothing.
		return new OtpSettings(real.codeLength(), CODE_TTL, real.maxAttempts(), real.maxBodyBytes(), real.clientIps(),
				Map.of(), false, real.phones(), limits, real.pumping());
	}

	private static NamedLimit policy(String name, String limit) {
		return new NamedLimit(name, List.of(Limit.valueOf(limit)), Refill.GREEDY);
	}

	/** Three sends to one throwaway phone (the third refused by its limit of two), then a wrong code. */
	private Mono<Void> pass(OtpSettings policy, int pass, Set<String> keys) {
		return Mono.defer(() -> {
			String raw = phone(policy, pass);
			String phone = policy.phones()
				.toE164(this.reader.readSend(json("{\"phone\":\"" + raw + "\"}")).phone());
			String address = "192.0.2." + (pass % CLIENTS);
			ClientIp client = new ClientIp(address, address);
			remember(keys, policy, phone, client);
			Mono<Void> sends = send(policy, phone, client).then(send(policy, phone, client))
				.then(send(policy, phone, client));
			return sends.then(verify(policy, raw, client));
		});
	}

	private Mono<Void> send(OtpSettings policy, String phone, ClientIp client) {
		return this.throwaway.admission()
			.admitSend(policy.limits(), policy.pumping(), phone, client)
			// Settled as a send without an SMS: no refund, and nothing counted for the pumping guard.
			.flatMap(admitted -> this.throwaway.service()
				.issue(policy, phone)
				.then(admitted.settle(SendOutcome.TEST_NUMBER)))
			.onErrorResume(ProblemException.class, problem -> answer(problem, REQUEST_OTP));
	}

	private Mono<Void> verify(OtpSettings policy, String raw, ClientIp client) {
		String wrong = "0".repeat(policy.codeLength());
		return Mono.defer(() -> {
			OtpRequest request = this.reader
				.readVerify(json("{\"phone\":\"" + raw + "\",\"otp_code\":\"" + wrong + "\"}"));
			String phone = policy.phones().toE164(request.phone());
			String code = (request.otpCode() != null) ? request.otpCode() : wrong;
			this.throwaway.service().token(phone);
			return this.throwaway.admission()
				.admitVerify(policy.limits(), policy.pumping(), phone, client, policy.maxAttempts())
				.flatMap(admitted -> this.throwaway.service()
					.verify(phone, code, admitted.reservation())
					// Settled as wrong even in the unlikely case the guess was right: a verification would count
					// for the pumping guard.
					.then(admitted.settle(VerifyOutcome.INVALID))
					.then(answer(ProblemException.of(ProblemCode.OTP_INVALID, "The code is not valid.").build(),
							VERIFY_OTP)));
		}).onErrorResume(ProblemException.class, problem -> answer(problem, VERIFY_OTP));
	}

	/** Writes the answer's body as the problem writer would; a store failure fails the pass. */
	private static Mono<Void> answer(ProblemException problem, String instance) {
		if (problem.code() == ProblemCode.STORE_UNAVAILABLE) {
			return Mono.error(problem);
		}
		ProblemWriter.bytes(problem, instance);
		return Mono.empty();
	}

	/** A number of an allowed region, spelled as a customer might, a different one for each pass. */
	private static String phone(OtpSettings policy, int pass) {
		String example = policy.phones().exampleNumber();
		if (example == null) {
			throw new IllegalStateException("no example number for the allowed regions");
		}
		String digits = String.format("%03d", pass % 1000);
		return example.substring(0, example.length() - digits.length()) + digits;
	}

	private void remember(Set<String> keys, OtpSettings policy, String phone, ClientIp client) {
		OtpKeys names = this.throwaway.keys();
		keys.add(names.code(phone));
		keys.add(names.sendPerPhone(phone));
		keys.add(names.verifyFailuresPerPhone(phone));
		keys.add(names.sendPerPrefix(policy.limits().rangeOf(phone)));
		keys.add(names.sendPerIp(client.limitKey()));
		keys.add(names.verifyFailuresPerIp(client.limitKey()));
		keys.add(names.sendGlobal());
	}

	/** Deletes the warm-up's keys; any left over expire by themselves within a minute. */
	private void cleanUp(Set<String> keys) {
		try {
			Flux.fromIterable(keys)
				.flatMap(key -> this.throwaway.delete().apply(key).onErrorResume(ex -> Mono.just(false)), 16)
				.then()
				.toFuture()
				.get(CLEAN_UP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (Exception ex) {
			logger.debug("OTP warm-up keys left to expire: " + ex);
		}
	}

	private static byte[] json(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * The OTP path's parts on throwaway keys: admission with its own limiter, cached refusals and Redis circuit
	 * (a slow warm-up never opens the real one), a service whose SMS sender sends nothing.
	 *
	 * @param admission admission on throwaway keys
	 * @param service the OTP service on throwaway keys, sending no SMS
	 * @param keys the throwaway keys, under the key prefix and {@link #KEY_SEGMENT}
	 * @param delete deletes one key
	 */
	public record Throwaway(OtpAdmission admission, OtpService service, OtpKeys keys,
			Function<String, Mono<Boolean>> delete) {
	}

	/**
	 * @param finished whether the warm-up ended, complete or not
	 * @param complete whether every pass ran and none failed
	 * @param passes passes run
	 * @param failed passes that failed
	 * @param took how long it ran
	 * @param problem what kept it from completing, or null
	 */
	public record Progress(boolean finished, boolean complete, int passes, int failed, Duration took,
			@Nullable String problem) {
	}

}
