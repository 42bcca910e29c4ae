package kz.cvety.edge.faults;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import kz.cvety.edge.faults.Traffic.Call;
import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi;
import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.edge.support.SmsSink;
import kz.cvety.otp.resilience.RedisGuard;
import kz.cvety.otp.testing.RedisProcess;
import kz.cvety.otp.testing.TestRedis;

import static kz.cvety.edge.support.OtpApi.newPhone;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis killed and restarted under concurrent load (LimitRedisOutageIT does it between sequential requests):
 * virtual users keep requesting codes and verifying the code of their previous cycle while the redis-server
 * process the test owns stops and, once the gateway's circuit has opened, re-probed and opened again, starts
 * again empty. Pass: no 500 and no transport error, every refusal a 503 {@code store_unavailable} with an honest
 * {@code Retry-After}, every answer within four Redis steps' timeouts, no SMS and no verification during the
 * outage, codes issued before it never valid again, and service back by itself.
 */
class FaultRedisRestartIT {

	/** Redis steps on the longest OTP path (a send: three limits and the code; a verify: attempt, budget, check, refund). */
	static final int MAX_REDIS_STEPS = 4;

	static final Duration COMMAND_TIMEOUT = Duration.ofMillis(500);

	static final Duration OPEN_STATE = Duration.ofSeconds(2);

	static final int USERS = 8;

	@Test
	void redisKilledUnderLoadGivesOnlyFast503sNoSmsNoVerificationAndServiceResumesAfterRestart() {
		OtpApi.warmUpJvm();
		try (SmsSink sms = new SmsSink(); RedisProcess redis = RedisProcess.start()) {
			Map<String, String> settings = GatewayInstance.defaults(sms.url(), TestRedis.uniquePrefix());
			settings.put("spring.data.redis.url", redis.url());
			settings.put("cvety.otp.limits.send-per-ip", "100000/1m");
			settings.put("cvety.otp.limits.send-global", "100000/1m");
			settings.put("cvety.otp.redis.wait-duration-in-open-state", OPEN_STATE.toSeconds() + "s");
			try (GatewayInstance gateway = GatewayInstance.start(settings)) {
				OtpApi.warmUp(gateway.url(), 5, Map.of());
				List<String> circuitLog = new CopyOnWriteArrayList<>();
				List<CircuitBreaker.State> transitions = new CopyOnWriteArrayList<>();
				CircuitBreaker circuit = gateway.context().getBean(RedisGuard.class).circuit().circuitBreaker();
				circuit.getEventPublisher().onStateTransition(event -> transitions.add(event.getStateTransition().getToState()));
				int smsBefore = sms.count();

				Traffic traffic = Traffic.start(USERS, users -> cycle(users, gateway.url(), sms));
				circuit.getEventPublisher().onStateTransition(event -> circuitLog.add(traffic.now() + " ms " + event.getStateTransition().getToState()));
				await(() -> countOk(traffic.calls(), "send") >= 40);

				redis.stop();
				long stopped = traffic.now();
				// The outage lasts until the circuit has opened, let a probe through after its open state, and
				// opened again on the probe's failure: the gateway keeps probing a dead Redis, without stalling.
				await(() -> transitions.stream().filter(CircuitBreaker.State.OPEN::equals).count() >= 2);
				long restarting = traffic.now();
				redis.restart();
				long restarted = traffic.now();
				await(() -> traffic.calls().stream().anyMatch(call -> call.start() >= restarted && call.kind().equals("send") && call.ok()));
				long recovered = traffic.calls().stream()
					.filter(call -> call.start() >= restarted && call.kind().equals("send") && call.ok())
					.mapToLong(Call::end)
					.min()
					.orElseThrow();
				await(() -> traffic.calls().stream().filter(call -> call.start() >= recovered && call.ok()).count() >= 40);
				List<Call> calls = traffic.stop();
				long stall = traffic.maxStallMillis();
				System.out.printf("Redis stopped at %d ms, restarted %d..%d ms, first code sent again at %d ms; circuit: %s; calls:%s%n",
						stopped, restarting, restarted, recovered, circuitLog, Traffic.timeline(calls, 250));

				assertThat(calls).allSatisfy(call -> {
					assertThat(call.error()).as(call.toString()).isNull();
					assertThat(call.status()).as(call.toString()).isIn(200, 401, 503);
					assertThat(call.took()).as(call.toString())
						.isLessThanOrEqualTo(MAX_REDIS_STEPS * COMMAND_TIMEOUT.toMillis() + stall);
				});
				List<Call> refused = calls.stream().filter(call -> call.status() == 503).toList();
				assertThat(refused).isNotEmpty()
					.allSatisfy(call -> assertThatProblem(call.answer()).hasStatus(503)
						.hasCode("store_unavailable")
						.hasRetryAfterBetween(1, OPEN_STATE.toSeconds() + 1));
				assertThat(calls).filteredOn(call -> call.status() == 401)
					.allSatisfy(call -> assertThatProblem(call.answer()).hasStatus(401).hasCode("otp_expired"));

				// During the outage: nothing but 503s, no SMS for any of those requests, no verification.
				List<Call> duringOutage = calls.stream().filter(call -> call.start() >= stopped && call.end() <= restarting).toList();
				assertThat(duringOutage).hasSizeGreaterThan(50)
					.allSatisfy(call -> assertThatProblem(call.answer()).hasStatus(503).hasCode("store_unavailable"));
				Set<String> phonesAskedDuringOutage = duringOutage.stream()
					.filter(call -> call.kind().equals("send"))
					.map(Call::phone)
					.collect(Collectors.toSet());
				assertThat(sms.messages()).noneMatch(message -> phonesAskedDuringOutage.contains(message.phone()));
				long sends = calls.stream().filter(call -> call.kind().equals("send") && call.ok()).count();
				assertThat(sms.count() - smsBefore).as("one SMS per code issued, none for a refused request").isEqualTo(sends);

				// Codes issued before the outage died with Redis's data: verified after the restart, they are expired.
				Set<String> issuedBeforeOutage = calls.stream()
					.filter(call -> call.kind().equals("send") && call.ok() && call.start() < stopped)
					.map(Call::phone)
					.collect(Collectors.toSet());
				List<Call> lateVerifies = calls.stream()
					.filter(call -> call.kind().equals("verify") && call.start() >= restarted
							&& issuedBeforeOutage.contains(call.phone()))
					.toList();
				assertThat(lateVerifies).isNotEmpty().allSatisfy(call -> {
					assertThat(call.status()).as(call.toString()).isIn(401, 503);
				});

				// Recovery: by itself, within the reconnect delay (at most 1 s) plus the circuit's open state.
				assertThat(recovered - restarted).isLessThanOrEqualTo(1000 + OPEN_STATE.toMillis() + 1000);
				// Honest Retry-After: a client that waited as told after any 503 since the restart was served.
				for (Call refusal : refused) {
					if (refusal.end() >= restarted) {
						long retryAt = refusal.end() + refusal.answer().retryAfter() * 1000;
						assertThat(calls).filteredOn(call -> call.start() >= retryAt)
							.as("503s after the Retry-After of " + refusal)
							.noneMatch(call -> call.status() == 503);
					}
				}
				assertThat(calls).filteredOn(call -> call.start() >= recovered + 1000)
					.noneMatch(call -> call.status() == 503);

				System.out.printf(
						"RELIABILITY redis-restart: %d users, %d calls (%d sends ok, %d verifies ok); outage %d ms: %d calls all 503, "
								+ "slowest %d ms; slowest overall %d ms; circuit %s; service back %d ms after restart; "
								+ "%d codes from before the outage tried after it, none valid; JVM stalled at most %d ms%n",
						USERS, calls.size(), sends, countOk(calls, "verify"), restarting - stopped, duringOutage.size(),
						duringOutage.stream().mapToLong(Call::took).max().orElse(0),
						calls.stream().mapToLong(Call::took).max().orElse(0), transitions, recovered - restarted,
						lateVerifies.stream().map(Call::phone).distinct().count(), stall);
			}
		}
	}

	/**
	 * One user's cycle: verify the code its previous cycle received (until Redis answers for it), then ask for a
	 * code for a new phone.
	 */
	private static void cycle(Traffic traffic, String url, SmsSink sms) {
		Pending pending = PENDING.get();
		if (pending.phone != null) {
			String phone = pending.phone;
			String code = pending.code;
			Answer verified = traffic.call("verify", phone, () -> OtpApi.verifyAsync(url, phone, code));
			if (verified.status() != 503) {
				pending.phone = null;
			}
		}
		String phone = newPhone();
		Answer sent = traffic.call("send", phone, () -> OtpApi.requestOtpAsync(url, phone, Map.of()));
		if (sent.status() == 200 && pending.phone == null) {
			pending.phone = phone;
			pending.code = sms.lastCode(phone);
		}
	}

	private static final ThreadLocal<Pending> PENDING = ThreadLocal.withInitial(Pending::new);

	private static final class Pending {

		String phone;

		String code;

	}

	private static long countOk(List<Call> calls, String kind) {
		return calls.stream().filter(call -> call.kind().equals(kind) && call.ok()).count();
	}

	private static void await(java.util.concurrent.Callable<Boolean> condition) {
		Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(condition);
	}

}
