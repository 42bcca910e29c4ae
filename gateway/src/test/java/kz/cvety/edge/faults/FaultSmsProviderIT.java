package kz.cvety.edge.faults;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import kz.cvety.edge.faults.Traffic.Call;
import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi;
import kz.cvety.edge.support.ProblemAssert;
import kz.cvety.otp.sms.ResilientSmsSender;
import kz.cvety.otp.testing.HttpStub;
import kz.cvety.otp.testing.HttpStub.Recorded;
import kz.cvety.otp.testing.HttpStub.Reply;
import kz.cvety.otp.testing.TestRedis;

import static kz.cvety.edge.faults.Traffic.assertNone;
import static kz.cvety.edge.support.OtpApi.newPhone;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SMS provider failing under concurrent load, through the gateway: answering 500, answering garbage with a
 * 500, slower than the SMS timeout, hanging up, and a closed port (OtpFlowIT covers a single 500 and hang-up,
 * ResilientSmsSenderIT the sender alone). Pass: only 200 or 503 {@code sms_unavailable} with a
 * {@code Retry-After}; every answer within the SMS timeout (twice the connect timeout for a refused port, which is
 * retried once); the provider asked at most once per request; every code the provider received verifies, as it may
 * have been delivered; sends the provider may have taken keep their send token; the circuit opens and, once the
 * provider is back, every client that waited its {@code Retry-After} is served.
 */
class FaultSmsProviderIT {

	static final Duration SMS_TIMEOUT = Duration.ofSeconds(1);

	static final Duration CONNECT_TIMEOUT = Duration.ofMillis(300);

	static final Duration OPEN_STATE = Duration.ofSeconds(2);

	static final Duration RETRY_AFTER = Duration.ofSeconds(2);

	/** Scheduling slack on a shared two-core machine. */
	static final long SLACK_MILLIS = 500;

	static final int USERS = 4;

	static final JsonMapper JSON = JsonMapper.builder().build();

	static HttpStub provider;

	static GatewayInstance gateway;

	static CircuitBreaker smsCircuit;

	final List<String> circuit = new CopyOnWriteArrayList<>();

	@BeforeAll
	static void start() {
		OtpApi.warmUpJvm();
		provider = HttpStub.start();
		Map<String, String> settings = GatewayInstance.defaults(provider.url() + "/sms", TestRedis.uniquePrefix());
		settings.put("cvety.otp.limits.send-per-ip", "100000/1m");
		settings.put("cvety.otp.limits.send-global", "100000/1m");
		settings.put("cvety.otp.limits.send-per-phone", "3/1m");
		settings.put("cvety.otp.sms.timeout", SMS_TIMEOUT.toMillis() + "ms");
		settings.put("cvety.otp.sms.connect-timeout", CONNECT_TIMEOUT.toMillis() + "ms");
		settings.put("cvety.otp.sms.sliding-window-size", "6");
		settings.put("cvety.otp.sms.minimum-number-of-calls", "6");
		settings.put("cvety.otp.sms.wait-duration-in-open-state", OPEN_STATE.toSeconds() + "s");
		settings.put("cvety.otp.sms.retry-after", RETRY_AFTER.toSeconds() + "s");
		gateway = GatewayInstance.start(settings);
		smsCircuit = gateway.context().getBean(ResilientSmsSender.class).circuitBreaker();
		OtpApi.warmUp(gateway.url(), 5, Map.of());
	}

	@AfterAll
	static void stop() {
		gateway.close();
		provider.close();
	}

	@BeforeEach
	void providerWorksAndTheCircuitIsClosed() {
		provider.respond(request -> Reply.json(200, "{\"ok\":true}"));
		// An open circuit only moves on when a call comes: send until it has closed again.
		await(() -> smsCircuit.getState() == CircuitBreaker.State.CLOSED
				|| OtpApi.requestOtp(gateway.url(), newPhone()).status() == 200
						&& smsCircuit.getState() == CircuitBreaker.State.CLOSED);
		provider.reset();
		smsCircuit.getEventPublisher()
			.onStateTransition(event -> this.circuit.add(event.getStateTransition().getToState().toString()));
	}

	@ParameterizedTest
	@ValueSource(strings = { "500", "garbage-500", "slow", "hang-up" })
	void failingProviderGivesBounded503sKeepsReceivedCodesUsableAndServiceResumesForClientsThatWaited(String failure) {
		Function<Recorded, Reply> failing = switch (failure) {
			case "500" -> request -> Reply.json(500, "{\"error\":\"down\"}");
			case "garbage-500" -> request -> Reply.garbage(500);
			case "slow" -> request -> Reply.json(200, "{}").delayedBy(SMS_TIMEOUT.multipliedBy(3));
			default -> request -> Reply.hangUp();
		};
		provider.respond(failing);

		Run run = runUntilOpenThenHeal(() -> provider.respond(request -> Reply.json(200, "{\"ok\":true}")));

		assertFailuresWereSafe("sms-" + failure, run, SMS_TIMEOUT.toMillis());
		// Nothing is retried once it may have reached the provider: one request per send that was not refused at once.
		Map<String, Long> asked = provider.requests().stream()
			.collect(Collectors.groupingBy(request -> smsPhone(request), Collectors.counting()));
		assertThat(asked.values()).allSatisfy(count -> assertThat(count).isEqualTo(1));
	}

	@Test
	void closedProviderPortIsRetriedOnceThenGivesBounded503sAndServiceResumesWhenItOpens() {
		int port = provider.port();
		provider.close();
		try {
			Run run = runUntilOpenThenHeal(() -> provider = HttpStub.start(port));

			// A refused connection is retried once, after 200 ms.
			assertFailuresWereSafe("sms-closed-port", run, 2 * CONNECT_TIMEOUT.toMillis() + 200);
		}
		finally {
			if (provider.port() != port) {
				provider = HttpStub.start(port);
			}
		}
	}

	@Test
	void sendsTheProviderMayHaveTakenKeepTheirSendToken() {
		String phone = newPhone();
		provider.respond(request -> Reply.json(500, "{}"));

		// The limit is three a minute: each 500 may have been delivered, so each spends its token.
		for (int i = 0; i < 3; i++) {
			assertThatProblem(OtpApi.requestOtp(gateway.url(), phone)).hasStatus(503).hasCode("sms_unavailable");
		}
		assertThatProblem(OtpApi.requestOtp(gateway.url(), phone)).isRateLimitedBy("send-per-phone");
		assertThat(provider.requests()).hasSize(3);
	}

	/**
	 * Users ask codes for new phones until the SMS circuit has opened, then {@code heal} brings the provider back
	 * while they go on, until twenty codes have been sent since.
	 */
	private Run runUntilOpenThenHeal(Runnable heal) {
		try (Traffic traffic = Traffic.start(USERS, users -> {
			String phone = newPhone();
			users.call("send", phone, () -> OtpApi.requestOtpAsync(gateway.url(), phone, Map.of()));
		})) {
			await(() -> this.circuit.contains("OPEN"));
			long healed = traffic.now();
			heal.run();
			await(() -> traffic.calls().stream().filter(call -> call.start() >= healed && call.ok()).count() >= 20);
			List<Call> calls = traffic.stop();
			long stall = traffic.maxStallMillis();
			System.out.printf("SMS provider back at %d ms; circuit %s; calls:%s%n", healed, this.circuit,
					Traffic.timeline(calls, 250));
			return new Run(calls, healed, stall);
		}
	}

	/** The calls of a run, and when the provider was brought back, in {@link Traffic#now()} milliseconds. */
	private record Run(List<Call> calls, long healed, long stall) {
	}

	private void assertFailuresWereSafe(String name, Run run, long failureBudgetMillis) {
		List<Call> calls = run.calls();
		assertNone(calls, "had a transport error", call -> call.error() != null);
		assertNone(calls, "were neither 200 nor 503 sms_unavailable with a Retry-After of 1 to "
				+ OPEN_STATE.plus(SMS_TIMEOUT).toSeconds() + " s", call -> !expected(call));
		List<Call> refused = calls.stream().filter(call -> call.status() == 503).toList();
		assertThat(refused).isNotEmpty();
		assertNone(calls, "took longer than the failure budget of " + failureBudgetMillis + " ms",
				call -> call.took() > failureBudgetMillis + SLACK_MILLIS + run.stall());
		// Each code the provider got for a refused request may have been delivered: it verifies.
		for (Call refusal : refused) {
			Optional<String> code = smsCode(refusal.phone());
			code.ifPresent(unconfirmed -> assertThat(OtpApi.verify(gateway.url(), refusal.phone(), unconfirmed).status())
				.as("verifying the unconfirmed code of " + refusal)
				.isEqualTo(200));
		}
		// Honest Retry-After: once the provider was back, a client that waited as told after a refusal was served.
		for (Call refusal : refused) {
			if (refusal.start() >= run.healed()) {
				long retryAt = refusal.end() + refusal.answer().retryAfter() * 1000;
				assertNone(calls, "were refused after the Retry-After of " + refusal,
						call -> call.start() >= retryAt && call.status() == 503);
			}
		}
		FaultRedisNetworkIT.report(name, USERS, calls);
		System.out.printf("RELIABILITY %s: %d refused (slowest %d ms), provider asked %d times, circuit %s, "
				+ "every code the provider got verified; JVM stalled at most %d ms%n", name, refused.size(),
				refused.stream().mapToLong(Call::took).max().orElse(0), provider.requests().size(), this.circuit, run.stall());
	}

	private static boolean expected(Call call) {
		return switch (call.status()) {
			case 200 -> true;
			case 503 -> ProblemAssert.satisfies(call.answer(), problem -> problem.hasStatus(503)
				.hasCode("sms_unavailable")
				.hasRetryAfterBetween(1, OPEN_STATE.plus(SMS_TIMEOUT).toSeconds()));
			default -> false;
		};
	}

	private static Optional<String> smsCode(String phone) {
		return provider.requests().stream()
			.map(request -> JSON.readTree(request.body()))
			.filter(body -> body.path("phone").asString().equals(phone))
			.map(body -> body.path("code").asString())
			.reduce((first, second) -> second);
	}

	private static String smsPhone(Recorded request) {
		JsonNode body = JSON.readTree(request.body());
		return body.path("phone").asString();
	}

	private static void await(Callable<Boolean> condition) {
		Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(condition);
	}

}
