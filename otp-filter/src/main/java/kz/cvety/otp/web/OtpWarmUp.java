package kz.cvety.otp.web;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;

import kz.cvety.otp.OtpSettings;
import kz.cvety.otp.OtpSettingsHolder;
import kz.cvety.otp.admission.SendOutcome;
import kz.cvety.otp.admission.VerifyOutcome;
import kz.cvety.otp.client.ClientIpResolver;
import kz.cvety.otp.client.ClientIpResolver.ClientIp;
import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;

/**
 * Warms the OTP paths up after start-up and before readiness, so a burst's first requests do not run through class
 * loading and the interpreter inside the Redis step time-out. Its passes go through the instance's own HTTP server
 * and gateway routes (the server, routing, the admission filter, JSON reading, phone parsing, send and verify
 * admission, the store scripts, the SMS sender, a refusal, problem writing, and the observations of the requests
 * its sampling picks) as {@link WarmUpTraffic} requests on throwaway keys, with an SMS provider of its own on
 * loopback; where the server cannot be reached over plain HTTP on its port (TLS, no server) the same passes call the
 * OTP code in process. After its passes it goes on until the JIT compiler is quiet, within its time-out. Its keys,
 * request meters and SMS sink are gone afterwards.
 */
public final class OtpWarmUp implements ApplicationListener<ApplicationStartedEvent> {

	/** Key segment after the key prefix under which every warm-up key lies. */
	public static final String KEY_SEGMENT = "warm-up:";

	private static final Log logger = LogFactory.getLog(OtpWarmUp.class);

	private static final String REQUEST_OTP = "/api/auth/request-otp";

	private static final String VERIFY_OTP = "/api/auth/verify-otp";

	private static final Duration CLEAN_UP_WAIT = Duration.ofSeconds(2);

	private static final int CLIENTS = 4;

	private static final String ROUTE_TAG = "routeId";

	private static final String URI_TAG = "uri";

	private final OtpSettingsHolder policies;

	private final WarmUpTraffic traffic;

	private final WarmUpProperties settings;

	private final CompilerActivity compiler;

	private final OtpRequestReader reader = new OtpRequestReader();

	private final AtomicBoolean started = new AtomicBoolean();

	private volatile Progress progress = new Progress(false, false, 0, 0, Duration.ZERO, null);

	private volatile @Nullable MeterRegistry meters;

	public OtpWarmUp(OtpSettingsHolder policies, WarmUpTraffic traffic, WarmUpProperties settings) {
		this(policies, traffic, settings, CompilerActivity.ofThisJvm());
	}

	OtpWarmUp(OtpSettingsHolder policies, WarmUpTraffic traffic, WarmUpProperties settings,
			CompilerActivity compiler) {
		this.policies = policies;
		this.traffic = traffic;
		this.settings = settings;
		this.compiler = compiler;
	}

	/**
	 * Sets the registry whose request meters the warm-up's own requests must not stay in: the server and Spring
	 * Cloud Gateway time every request, with no way to leave one out, so the request meters (by route or by URI)
	 * made while the warm-up ran are removed once it is done (a request no load balancer sent before readiness
	 * would go with them).
	 */
	public void forgetRouteMetersIn(@Nullable MeterRegistry meters) {
		this.meters = meters;
	}

	/** How far the warm-up got; readiness waits for {@link Progress#finished()}. */
	public Progress progress() {
		return this.progress;
	}

	@Override
	public void onApplicationEvent(ApplicationStartedEvent event) {
		if (this.started.compareAndSet(false, true)) {
			run(ownServer(event.getApplicationContext()));
		}
	}

	/** Runs the passes and waits for the compiler, at most the configured times; on the start-up thread. */
	void run(@Nullable URI server) {
		MeterRegistry registry = this.meters;
		Set<Meter.Id> before = (registry != null) ? requestMeters(registry) : Set.of();
		this.traffic.open();
		try {
			warmUp(server);
		}
		finally {
			this.traffic.close();
			if (registry != null) {
				for (Meter.Id id : requestMeters(registry)) {
					if (!before.contains(id)) {
						registry.remove(id);
					}
				}
			}
		}
	}

	/**
	 * The meters of requests: of routed ones by Spring Cloud Gateway's route tag, of served ones by the server's
	 * URI tag, whatever their names.
	 */
	private static Set<Meter.Id> requestMeters(MeterRegistry registry) {
		Set<Meter.Id> ids = new HashSet<>();
		for (Meter meter : registry.getMeters()) {
			if (meter.getId().getTag(ROUTE_TAG) != null || meter.getId().getTag(URI_TAG) != null) {
				ids.add(meter.getId());
			}
		}
		return ids;
	}

	private void warmUp(@Nullable URI server) {
		long started = System.nanoTime();
		int passes = this.settings.getPasses();
		if (passes == 0) {
			this.progress = new Progress(true, true, 0, 0, Duration.ZERO, null);
			logger.info("OTP warm-up is off (" + WarmUpProperties.PREFIX + ".passes: 0)");
			return;
		}
		OtpSettings policy = this.traffic.settings(this.policies.get());
		ConnectionProvider connections = ConnectionProvider.builder("otp-warm-up")
			.maxConnections(this.settings.getConcurrency())
			.build();
		try {
			Pass pass = choosePass(policy, server, connections);
			Stage stage = stage(Flux.range(1, passes - 1), pass, policy, this.settings.getTimeout());
			int ran = stage.done() + 1;
			Duration left = this.settings.getTimeout().minusNanos(System.nanoTime() - started);
			boolean warmed = stage.complete() && !gaveUp(stage);
			Stage extra = warmed ? untilCompiled(pass, policy, passes, left) : null;
			cleanUp(this.traffic.touchedKeys());
			Duration took = Duration.ofNanos(System.nanoTime() - started);
			int failed = stage.failed() + ((extra != null) ? extra.failed() : 0);
			int total = ran + ((extra != null) ? extra.done() : 0);
			String first = (stage.failure() != null) ? stage.failure() : (extra != null) ? extra.failure() : null;
			String failures = (failed == 0) ? null : failed + " of " + total + " passes failed, first: " + first;
			if (warmed) {
				String more = (extra == null || extra.done() == 0) ? ""
						: ", then " + extra.done() + " more until the JIT compiler was "
								+ (extra.complete() ? "quiet" : "still busy at the time-out");
				String line = "OTP paths warmed up: " + ran + " passes " + pass.how() + more + " in " + took.toMillis()
						+ " ms";
				// Logged first, so no readiness answer can be UP before the line is out.
				if (failures == null) {
					logger.info(line);
				}
				else {
					logger.warn(line + " (" + failures + ")");
				}
				this.progress = new Progress(true, true, total, failed, took, failures);
				return;
			}
			String problem = (failures != null) ? failures
					: "gave up after " + this.settings.getTimeout() + " with " + ran + " of " + passes + " passes done";
			// Ready anyway: an instance kept out until Redis is fast would leave a fleet restarted during a Redis
			// incident with none ready, and the readiness group's own Redis check covers Redis being unreachable.
			logger.warn("OTP warm-up incomplete (" + problem + "); reporting ready anyway, the first requests may be slow");
			this.progress = new Progress(true, false, ran, failed, took, problem);
		}
		finally {
			connections.dispose();
		}
	}

	/**
	 * The first pass, through the server if there is one: where that works, every pass goes through it; where it
	 * cannot (no plain-HTTP server on the port, the OTP routes answer other paths), the passes run in process. A
	 * first pass that fails in process fails the warm-up's first pass as any other would.
	 */
	private Pass choosePass(OtpSettings policy, @Nullable URI server, ConnectionProvider connections) {
		Pass inProcess = new Pass("in process", pass -> pass(policy, pass));
		if (server != null) {
			HttpClient client = HttpClient.create(connections)
				.baseUrl(server.toString())
				.headers(headers -> headers.set(WarmUpTraffic.HEADER, this.traffic.secret())
					.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON));
			Pass http = new Pass("through HTTP", pass -> httpPass(client, policy, pass));
			Stage probe = stage(Flux.just(0), http, policy, this.settings.getTimeout());
			if (probe.complete() && probe.failed() == 0) {
				return http;
			}
			String reason = (probe.failure() != null) ? probe.failure()
					: "no answer within " + this.settings.getTimeout();
			logger.info("OTP warm-up runs in process: its first pass through " + server + " failed (" + reason + ")");
		}
		Stage first = stage(Flux.just(0), inProcess, policy, this.settings.getTimeout());
		return (first.failed() == 0) ? inProcess : new Pass(inProcess.how(), pass -> Mono.error(new IllegalStateException(
				"the first pass failed: " + first.failure())));
	}

	/**
	 * After the passes, more of them until the JIT compiler's threads were busy less than a tenth of the time over
	 * a second, at most {@code wait}; null when that is off. A pass that fails here ends this part only.
	 */
	private @Nullable Stage untilCompiled(Pass pass, OtpSettings policy, int from, Duration wait) {
		if (!this.settings.isUntilCompiled() || !this.compiler.measurable() || wait.toMillis() <= 0) {
			return null;
		}
		this.compiler.restart();
		AtomicBoolean quiet = new AtomicBoolean();
		Flux<Integer> more = Flux.range(from, Integer.MAX_VALUE - from)
			.takeWhile(index -> !quiet.get())
			.doOnNext(index -> {
				if (this.compiler.quiet()) {
					quiet.set(true);
				}
			});
		Stage stage = stage(more, pass, policy, wait);
		return new Stage(stage.done(), stage.failed(), quiet.get(), stage.failure());
	}

	/**
	 * Whether {@code stage} ended because a round of its passes failed (as many as run at once): Redis down or too
	 * slow. Fewer failures are a slow moment of a cold instance on a busy machine (a step past its time-out), which
	 * is when the warm-up matters most; the passes go on.
	 */
	private boolean gaveUp(Stage stage) {
		return stage.failed() >= this.settings.getConcurrency();
	}

	/** Runs {@code passes} with the configured concurrency, waiting at most {@code limit}. */
	private Stage stage(Flux<Integer> passes, Pass pass, OtpSettings policy, Duration limit) {
		AtomicInteger done = new AtomicInteger();
		AtomicInteger failed = new AtomicInteger();
		AtomicReference<String> failure = new AtomicReference<>();
		CountDownLatch finished = new CountDownLatch(1);
		Disposable running = passes.flatMap(index -> pass.run().apply(index).doOnError(ex -> {
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
			complete = finished.await(limit.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			complete = false;
		}
		running.dispose();
		return new Stage(done.get(), failed.get(), complete, failure.get());
	}

	/**
	 * Three sends to one throwaway phone (the third refused by its limit of two), then a wrong code, through the
	 * server: an answer no customer request could get (a 404 from another route layout, a 5xx) fails the pass.
	 */
	private Mono<Void> httpPass(HttpClient client, OtpSettings policy, int pass) {
		return Mono.defer(() -> {
			String raw = phone(policy, pass);
			HttpClient from = client.headers(headers -> headers.set(ClientIpResolver.X_FORWARDED_FOR,
					"192.0.2." + (pass % CLIENTS)));
			String send = "{\"phone\":\"" + raw + "\"}";
			String verify = "{\"phone\":\"" + raw + "\",\"otp_code\":\"" + "0".repeat(policy.codeLength()) + "\"}";
			return post(from, REQUEST_OTP, send).then(post(from, REQUEST_OTP, send))
				.then(post(from, REQUEST_OTP, send))
				.then(post(from, VERIFY_OTP, verify));
		});
	}

	/** Posts {@code body}; 200, 401 and 429 are answers a pass gets, anything else fails it. */
	private static Mono<Void> post(HttpClient client, String path, String body) {
		return client.post()
			.uri(path)
			.send(ByteBufFlux.fromString(Mono.just(body)))
			.responseSingle((response, content) -> content.asString()
				.defaultIfEmpty("")
				.flatMap(text -> switch (response.status().code()) {
					case 200, 401, 429 -> Mono.<Void>empty();
					default -> Mono.<Void>error(new IllegalStateException(
							path + " answered " + response.status().code() + " " + abbreviated(text)));
				}));
	}

	private static String abbreviated(String text) {
		return (text.length() > 200) ? text.substring(0, 200) + "..." : text;
	}

	/** The same pass as {@link #httpPass}, calling the OTP code in process. */
	private Mono<Void> pass(OtpSettings policy, int pass) {
		return Mono.defer(() -> {
			String raw = phone(policy, pass);
			String phone = policy.phones()
				.toE164(this.reader.readSend(json("{\"phone\":\"" + raw + "\"}")).phone());
			String address = "192.0.2." + (pass % CLIENTS);
			ClientIp client = new ClientIp(address, address);
			this.traffic.touched(policy, phone, client);
			Mono<Void> sends = send(policy, phone, client).then(send(policy, phone, client))
				.then(send(policy, phone, client));
			return sends.then(verify(policy, raw, client));
		});
	}

	private Mono<Void> send(OtpSettings policy, String phone, ClientIp client) {
		WarmUpTraffic.Throwaway throwaway = this.traffic.throwaway();
		return throwaway.admission()
			.admitSend(policy.limits(), policy.pumping(), phone, client)
			// Settled as sent, as the handler's are: no refund, and the count of the warm-up's own pumping guard kept.
			.flatMap(admitted -> throwaway.service()
				.issue(policy, phone)
				.then(admitted.settle(SendOutcome.SENT)))
			.onErrorResume(ProblemException.class, problem -> answer(problem, REQUEST_OTP));
	}

	private Mono<Void> verify(OtpSettings policy, String raw, ClientIp client) {
		String wrong = "0".repeat(policy.codeLength());
		WarmUpTraffic.Throwaway throwaway = this.traffic.throwaway();
		return Mono.defer(() -> {
			OtpRequest request = this.reader
				.readVerify(json("{\"phone\":\"" + raw + "\",\"otp_code\":\"" + wrong + "\"}"));
			String phone = policy.phones().toE164(request.phone());
			String code = (request.otpCode() != null) ? request.otpCode() : wrong;
			throwaway.service().token(phone);
			return throwaway.admission()
				.admitVerify(policy.limits(), policy.pumping(), phone, client, policy.maxAttempts())
				.flatMap(admitted -> throwaway.service()
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

	/**
	 * A number of an allowed region, spelled as a customer might, a different one for each of 100,000 passes: a
	 * phone's limit of two never refuses a pass's first send.
	 */
	private static String phone(OtpSettings policy, int pass) {
		String example = policy.phones().exampleNumber();
		if (example == null) {
			throw new IllegalStateException("no example number for the allowed regions");
		}
		String digits = String.format("%05d", pass % 100_000);
		return example.substring(0, example.length() - digits.length()) + digits;
	}

	/** Deletes the warm-up's keys; any left over expire by themselves within a minute. */
	private void cleanUp(Set<String> keys) {
		try {
			Flux.fromIterable(keys)
				.flatMap(key -> this.traffic.throwaway().delete().apply(key).onErrorResume(ex -> Mono.just(false)), 16)
				.then()
				.toFuture()
				.get(CLEAN_UP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (Exception ex) {
			logger.debug("OTP warm-up keys left to expire: " + ex);
		}
	}

	/**
	 * The address of this application's own HTTP server, as plain HTTP on loopback (or on the one address it
	 * listens on); null when it runs none.
	 */
	static @Nullable URI ownServer(ApplicationContext context) {
		if (!(context instanceof WebServerApplicationContext web) || web.getWebServer() == null) {
			return null;
		}
		int port = web.getWebServer().getPort();
		if (port <= 0) {
			return null;
		}
		String address = context.getEnvironment().getProperty("server.address");
		String host = "127.0.0.1";
		if (address != null && !address.isBlank()) {
			try {
				InetAddress bound = InetAddress.getByName(address.trim());
				if (!bound.isAnyLocalAddress()) {
					host = (bound instanceof Inet6Address) ? "[" + bound.getHostAddress() + "]" : bound.getHostAddress();
				}
			}
			catch (UnknownHostException ex) {
				return null;
			}
		}
		return URI.create("http://" + host + ":" + port);
	}

	private static byte[] json(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	/** How passes run: through the server or in process. */
	private record Pass(String how, IntFunction<Mono<Void>> run) {
	}

	/** What one stage of passes did. */
	private record Stage(int done, int failed, boolean complete, @Nullable String failure) {
	}

	/**
	 * @param finished whether the warm-up ended, complete or not
	 * @param complete whether every pass ran, fewer than a round of them failing
	 * @param passes passes run
	 * @param failed passes that failed
	 * @param took how long it ran
	 * @param problem what kept it from completing, or which passes failed; null when none did
	 */
	public record Progress(boolean finished, boolean complete, int passes, int failed, Duration took,
			@Nullable String problem) {
	}

}
