package kz.cvety.edge.faults;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import kz.cvety.edge.faults.Traffic.Call;
import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi;
import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.edge.support.ProblemAssert;
import kz.cvety.edge.support.SmsSink;
import kz.cvety.otp.resilience.RedisGuard;
import kz.cvety.otp.testing.TcpProxy;
import kz.cvety.otp.testing.TestRedis;

import static kz.cvety.edge.faults.Traffic.assertNone;
import static kz.cvety.edge.support.OtpApi.newPhone;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis slow, gone silent, and cutting connections mid-command, through a {@link TcpProxy} between the gateway
 * and Redis, under concurrent load. Pass: no 500 and no transport error; answers within the command timeout
 * per Redis step; slower than the timeout means fast 503 {@code store_unavailable} with {@code Retry-After}, no
 * SMS and no verification; cut connections never admit beyond a limit, never send an SMS for a refused request
 * and never verify a code twice; service resumes by itself once Redis answers again.
 */
class FaultRedisNetworkIT {

	static final Duration COMMAND_TIMEOUT = Duration.ofMillis(500);

	static final Duration OPEN_STATE = Duration.ofSeconds(2);

	/**
	 * Redis steps on the longest OTP path: a send takes three limits and stores the code; a verify reserves an
	 * attempt, takes the budget, checks and refunds.
	 */
	static final int MAX_REDIS_STEPS = 4;

	/**
	 * Scheduling slack on a shared two-core machine, on top of a timeout; each test adds the longest time its JVM
	 * was kept from running ({@link Traffic#maxStallMillis()}).
	 */
	static final long SLACK_MILLIS = 500;

	static final int USERS = 6;

	static final int SENDS_PER_PHONE = 3;

	static SmsSink sms;

	static TcpProxy proxy;

	static GatewayInstance gateway;

	final List<CircuitBreaker.State> circuit = new CopyOnWriteArrayList<>();

	@BeforeAll
	static void start() {
		OtpApi.warmUpJvm();
		sms = new SmsSink();
		URI redis = URI.create(TestRedis.url());
		proxy = TcpProxy.to(redis.getHost(), redis.getPort());
		Map<String, String> settings = GatewayInstance.defaults(sms.url(), TestRedis.uniquePrefix());
		settings.put("spring.data.redis.url", "redis://127.0.0.1:" + proxy.port());
		settings.put("cvety.otp.limits.send-per-ip", "100000/1m");
		settings.put("cvety.otp.limits.send-global", "100000/1m");
		settings.put("cvety.otp.limits.send-per-phone", SENDS_PER_PHONE + "/1m");
		settings.put("cvety.otp.redis.wait-duration-in-open-state", OPEN_STATE.toSeconds() + "s");
		gateway = GatewayInstance.start(settings);
		OtpApi.warmUp(gateway.url(), 5, Map.of());
	}

	@AfterAll
	static void stop() {
		gateway.close();
		proxy.close();
		sms.close();
	}

	@BeforeEach
	void watchTheCircuit() {
		gateway.context().getBean(RedisGuard.class).circuit().circuitBreaker().getEventPublisher()
			.onStateTransition(event -> this.circuit.add(event.getStateTransition().getToState()));
	}

	@AfterEach
	void healAndAwaitService() {
		proxy.heal();
		await(Duration.ofSeconds(15), () -> sendAndVerify(newPhone()));
	}

	@Test
	void redisSlowerButWithinTheTimeoutServesEveryRequestWithinTheStepBudget() {
		proxy.replyLatency(Duration.ofMillis(50));
		List<Call> calls;
		long stall;
		try (Traffic traffic = Traffic.start(USERS, users -> sendThenVerify(users, newPhone()))) {
			await(Duration.ofSeconds(30), () -> countOk(traffic.calls(), "verify") >= 15);
			calls = traffic.stop();
			stall = traffic.maxStallMillis();
		}

		assertNone(calls, "failed", call -> call.status() != 200);
		assertNone(calls, "took longer than " + MAX_REDIS_STEPS + " steps' timeouts",
				call -> call.took() > MAX_REDIS_STEPS * COMMAND_TIMEOUT.toMillis() + stall);
		assertThat(this.circuit).isEmpty();
		report("redis-slow-50ms", USERS, calls);
		System.out.printf("RELIABILITY redis-slow-50ms: JVM stalled at most %d ms%n", stall);
	}

	@Test
	void redisSlowerThanTheTimeoutGivesFast503sAndNoSmsOrVerificationThenRecovers() {
		assertFast503sWhile("redis-slow-1s", () -> proxy.replyLatency(Duration.ofSeconds(1)));
	}

	@Test
	void redisThatAcceptsButNeverAnswersGivesFast503sAndNoSmsOrVerificationThenRecovers() {
		assertFast503sWhile("redis-black-hole", () -> proxy.blackHole());
	}

	@Test
	void connectionsResetUnderLoadGiveNo503AndLeaveTheCircuitClosed() {
		List<Call> calls;
		int reset;
		try (Traffic traffic = Traffic.start(USERS, users -> sendThenVerify(users, newPhone()))) {
			await(Duration.ofSeconds(30), () -> countOk(traffic.calls(), "verify") >= 20);
			long resetAt = traffic.now();
			reset = proxy.cutConnections();
			await(Duration.ofSeconds(30), () -> traffic.calls().stream().filter(call -> call.start() > resetAt && call.ok()).count() >= 20);
			calls = traffic.stop();
		}

		assertThat(reset).as("connections open to Redis").isGreaterThanOrEqualTo(2);
		// Lettuce replays the commands in flight on the new connection (at-least-once): a verification whose reply
		// was lost runs again and finds its code used, so it answers otp_expired. Nothing else may fail.
		assertNone(calls, "failed", call -> call.status() != 200
				&& !(call.kind().equals("verify")
						&& ProblemAssert.satisfies(call.answer(), problem -> problem.hasStatus(401).hasCode("otp_expired"))));
		assertThat(this.circuit).isEmpty();
		report("redis-connections-reset", USERS, calls);
	}

	@Test
	void connectionsCutMidCommandNeverAdmitBeyondALimitNorVerifyTwiceNorSendForARefusal() {
		long cutsBefore = proxy.cuts();
		long stall;
		proxy.cutReplies(0.01).cutRequests(0.01);
		List<Call> calls;
		// Each user asks one more code for a phone than the limit allows, then verifies the last code it got.
		try (Traffic traffic = Traffic.start(USERS, users -> {
			String phone = newPhone();
			String code = null;
			for (int i = 0; i <= SENDS_PER_PHONE; i++) {
				if (users.call("send", phone, () -> OtpApi.requestOtpAsync(gateway.url(), phone, Map.of())).status() == 200) {
					code = sms.lastCode(phone);
				}
			}
			for (int i = 0; code != null && i < 3; i++) {
				String last = code;
				if (users.call("verify", phone, () -> OtpApi.verifyAsync(gateway.url(), phone, last)).status() != 503) {
					break;
				}
			}
		})) {
			await(Duration.ofSeconds(60), () -> proxy.cuts() - cutsBefore >= 12 && traffic.calls().size() >= 200);
			calls = traffic.stop();
			stall = traffic.maxStallMillis();
		}
		long cuts = proxy.cuts() - cutsBefore;
		proxy.heal();

		assertNone(calls, "had a transport error", call -> call.error() != null);
		assertNone(calls, "got an unexpected answer", call -> !expected(call));
		assertNone(calls, "took longer than " + MAX_REDIS_STEPS + " steps' timeouts",
				call -> call.took() > MAX_REDIS_STEPS * COMMAND_TIMEOUT.toMillis() + SLACK_MILLIS + stall);
		Map<String, List<Call>> byPhone = calls.stream().collect(Collectors.groupingBy(Call::phone));
		Map<String, Long> smsByPhone = sms.messages().stream()
			.collect(Collectors.groupingBy(SmsSink.Sms::phone, Collectors.counting()));
		byPhone.forEach((phone, phoneCalls) -> {
			long admitted = phoneCalls.stream().filter(call -> call.kind().equals("send") && call.ok()).count();
			assertThat(admitted).as("codes sent to " + phone).isLessThanOrEqualTo(SENDS_PER_PHONE);
			assertThat(smsByPhone.getOrDefault(phone, 0L)).as("SMS to " + phone).isEqualTo(admitted);
			assertThat(phoneCalls.stream().filter(call -> call.kind().equals("verify") && call.ok()).count())
				.as("verifications of " + phone)
				.isLessThanOrEqualTo(1);
		});
		report("redis-cuts", USERS, calls);
		// Lettuce replays a command whose connection dropped (at-least-once): a replayed limit step can take a
		// second token, and a replayed verification finds its code already used. Both err on the safe side.
		System.out.printf("RELIABILITY redis-cuts: %d connections cut (1%% of request and 1%% of reply chunks) on %d "
				+ "phones; %d sends admitted (at most %d per phone, exactly one SMS each; %d phones got fewer), %d "
				+ "verified (at most one per phone), %d right codes answered otp_expired; circuit %s; JVM stalled at most %d ms%n", cuts,
				byPhone.size(), calls.stream().filter(call -> call.kind().equals("send") && call.ok()).count(),
				SENDS_PER_PHONE,
				byPhone.values().stream()
					.filter(phoneCalls -> phoneCalls.stream().filter(call -> call.kind().equals("send") && call.ok()).count() < SENDS_PER_PHONE)
					.count(),
				countOk(calls, "verify"), calls.stream().filter(call -> call.status() == 401).count(), this.circuit, stall);
	}

	private static boolean expected(Call call) {
		return switch (call.status()) {
			case 200 -> true;
			case 401 -> ProblemAssert.satisfies(call.answer(), problem -> problem.hasStatus(401).hasCode("otp_expired"));
			case 429 -> ProblemAssert.satisfies(call.answer(), problem -> problem.hasStatus(429).hasCode("rate_limited"));
			case 503 -> ProblemAssert.satisfies(call.answer(), problem -> problem.hasStatus(503)
				.hasCode("store_unavailable")
				.hasRetryAfterBetween(1, OPEN_STATE.toSeconds() + 1));
			default -> false;
		};
	}

	/**
	 * Runs load while {@code fault} is on, verifying codes issued before it and asking new ones, until the
	 * circuit has opened, let trial calls through and opened again. Every answer must be a 503 within one step's
	 * timeout, with no SMS sent and nothing verified; once healed the gateway serves again within the circuit's
	 * open state, and the earlier codes still verify (unless timed-out attempts used them up).
	 */
	private void assertFast503sWhile(String name, Runnable fault) {
		List<String[]> issued = new ArrayList<>();
		for (int i = 0; i < USERS; i++) {
			String phone = newPhone();
			assertThat(OtpApi.requestOtp(gateway.url(), phone).status()).isEqualTo(200);
			issued.add(new String[] { phone, sms.lastCode(phone) });
		}
		int smsBefore = sms.count();
		fault.run();
		List<Call> calls;
		long stall;
		try (Traffic traffic = Traffic.start(USERS, users -> {
			String[] old = issued.get((int) (Thread.currentThread().getId() % issued.size()));
			users.call("verify", old[0], () -> OtpApi.verifyAsync(gateway.url(), old[0], old[1]));
			String phone = newPhone();
			users.call("send", phone, () -> OtpApi.requestOtpAsync(gateway.url(), phone, Map.of()));
		})) {
			await(Duration.ofSeconds(30), () -> this.circuit.stream().filter(CircuitBreaker.State.OPEN::equals).count() >= 2);
			calls = traffic.stop();
			stall = traffic.maxStallMillis();
		}
		int smsDuring = sms.count() - smsBefore;
		proxy.heal();
		long healed = System.nanoTime();
		await(Duration.ofSeconds(15), () -> OtpApi.requestOtp(gateway.url(), newPhone()).status() == 200);
		long recovery = Duration.ofNanos(System.nanoTime() - healed).toMillis();
		// A half-open circuit refuses calls beyond its trial calls until they have closed it (503, Retry-After 1):
		// the codes below are checked once it is closed, as they would be by clients retrying.
		CircuitBreaker breaker = gateway.context().getBean(RedisGuard.class).circuit().circuitBreaker();
		await(Duration.ofSeconds(15), () -> OtpApi.requestOtp(gateway.url(), newPhone()).status() == 200
				&& breaker.getState() == CircuitBreaker.State.CLOSED);

		assertNone(calls, "had a transport error", call -> call.error() != null);
		assertNone(calls, "were not 503 store_unavailable with a Retry-After of 1 to " + (OPEN_STATE.toSeconds() + 1) + " s",
				call -> call.status() != 503 || !expected(call));
		assertNone(calls, "took longer than one step's timeout", call -> call.took() > COMMAND_TIMEOUT.toMillis() + SLACK_MILLIS + stall);
		assertThat(smsDuring).as("SMS sent during the fault").isZero();
		assertThat(recovery).isLessThanOrEqualTo(OPEN_STATE.toMillis() + 2000);
		// A verification that timed out may have used an attempt in Redis; none verified a code.
		for (String[] old : issued) {
			Answer after = OtpApi.verify(gateway.url(), old[0], old[1]);
			assertThat(after.status()).as(after.toString()).isIn(200, 429);
			if (after.status() == 429) {
				assertThatProblem(after).hasStatus(429).hasCode("otp_attempts_exhausted");
			}
		}
		report(name, USERS, calls);
		System.out.printf("RELIABILITY %s: circuit %s; no SMS, no verification during the fault; served again %d ms "
				+ "after it ended; JVM stalled at most %d ms%n", name, this.circuit, recovery, stall);
	}

	private static void sendThenVerify(Traffic traffic, String phone) {
		if (traffic.call("send", phone, () -> OtpApi.requestOtpAsync(gateway.url(), phone, Map.of())).status() == 200) {
			String code = sms.lastCode(phone);
			traffic.call("verify", phone, () -> OtpApi.verifyAsync(gateway.url(), phone, code));
		}
	}

	private static boolean sendAndVerify(String phone) {
		return OtpApi.requestOtp(gateway.url(), phone).status() == 200
				&& OtpApi.verify(gateway.url(), phone, sms.lastCode(phone)).status() == 200;
	}

	static long countOk(List<Call> calls, String kind) {
		return calls.stream().filter(call -> call.kind().equals(kind) && call.ok()).count();
	}

	/** Prints latencies and statuses for the record. */
	static void report(String name, int users, List<Call> calls) {
		System.out.printf("RELIABILITY %s: %d users; %s; %s; statuses %s%n", name, users, latencies(calls, "send"),
				latencies(calls, "verify"),
				calls.stream().collect(Collectors.groupingBy(Call::status, TreeMap::new, Collectors.counting())));
	}

	static String latencies(List<Call> calls, String kind) {
		long[] took = calls.stream().filter(call -> call.kind().equals(kind)).mapToLong(Call::took).sorted().toArray();
		if (took.length == 0) {
			return kind + " none";
		}
		return String.format("%s %d calls p50 %d ms p99 %d ms max %d ms", kind, took.length, took[took.length / 2],
				took[(int) Math.ceil(took.length * 0.99) - 1], took[took.length - 1]);
	}

	private static void await(Duration atMost, Callable<Boolean> condition) {
		Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(50)).until(condition);
	}

}
