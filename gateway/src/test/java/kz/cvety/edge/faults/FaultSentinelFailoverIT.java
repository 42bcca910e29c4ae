package kz.cvety.edge.faults;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import io.lettuce.core.api.StatefulRedisConnection;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import kz.cvety.edge.faults.Traffic.Call;
import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi;
import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.edge.support.ProblemAssert;
import kz.cvety.edge.support.SmsSink;
import kz.cvety.otp.store.OtpHasher;
import kz.cvety.otp.store.OtpKeys;
import kz.cvety.otp.testing.SentinelRedis;
import kz.cvety.otp.testing.TestRedis;

import static kz.cvety.edge.faults.Traffic.assertNone;
import static kz.cvety.edge.support.OtpApi.concurrently;
import static kz.cvety.edge.support.OtpApi.newPhone;
import static kz.cvety.edge.support.OtpApi.wrongCode;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway on Redis Sentinel (master, replica, three sentinels; {@code spring.data.redis.sentinel.*}): the
 * whole flow and its limits, then the master killed under load. What a failover may lose: Redis replicates
 * asynchronously, so a write the master acknowledged but had not yet sent to the replica when it died is gone
 * (a code issued in that instant verifies as expired; a token taken then is given back). The outage lasts until
 * the sentinels have called the master down ({@link SentinelRedis#DOWN_AFTER}), elected and promoted the
 * replica, and the gateway has reconnected and its circuit, if open, has let trial calls through; every answer
 * meanwhile is a 503 within the Redis step timeouts.
 */
class FaultSentinelFailoverIT {

	static final Duration OPEN_STATE = Duration.ofSeconds(2);

	static final long MAX_STEPS_MILLIS = 4 * 500;

	static final int USERS = 6;

	@Test
	void flowWorksOnSentinelAndAMasterKilledUnderLoadCostsABoundedOutageAndNoCodeThatWasReplicated() {
		OtpApi.warmUpJvm();
		try (SentinelRedis redis = SentinelRedis.start(); SmsSink sms = new SmsSink()) {
			String prefix = TestRedis.uniquePrefix();
			Map<String, String> settings = GatewayInstance.defaults(sms.url(), prefix);
			settings.remove("spring.data.redis.url");
			settings.put("spring.data.redis.sentinel.master", SentinelRedis.MASTER_NAME);
			settings.put("spring.data.redis.sentinel.nodes", redis.sentinelNodes());
			settings.put("cvety.otp.limits.send-per-ip", "100000/1m");
			settings.put("cvety.otp.limits.send-global", "100000/1m");
			settings.put("cvety.otp.redis.wait-duration-in-open-state", OPEN_STATE.toSeconds() + "s");
			try (GatewayInstance gateway = GatewayInstance.start(settings)) {
				OtpApi.warmUp(gateway.url(), 2, Map.of());
				String masterBefore = redis.currentMaster();

				// The flow and its limits, as on standalone Redis.
				String phone = newPhone();
				assertThat(OtpApi.requestOtp(gateway.url(), phone).status()).isEqualTo(200);
				String code = sms.lastCode(phone);
				assertThatProblem(OtpApi.verify(gateway.url(), phone, wrongCode(code))).hasStatus(401).hasCode("otp_invalid");
				assertThat(OtpApi.verify(gateway.url(), phone, code).status()).isEqualTo(200);
				assertThatProblem(OtpApi.verify(gateway.url(), phone, code)).hasStatus(401).hasCode("otp_expired");
				String burst = newPhone();
				List<Answer> sends = concurrently(20, i -> OtpApi.requestOtpAsync(gateway.url(), burst, Map.of()));
				assertThat(sends).filteredOn(answer -> answer.status() == 200).hasSize(10);
				assertThat(sends).filteredOn(answer -> answer.status() == 429).hasSize(10);
				List<Answer> guesses = concurrently(20, i -> OtpApi.verifyAsync(gateway.url(), burst, wrongCode(sms.lastCode(burst))));
				assertThat(guesses).filteredOn(answer -> answer.status() == 401).hasSizeLessThanOrEqualTo(3);

				// Failover under load: users ask codes for new phones, and keep them for after.
				Map<String, String> issued = new ConcurrentHashMap<>();
				List<Call> calls;
				long killed;
				long promoted;
				long stall;
				try (Traffic traffic = Traffic.start(USERS, users -> {
					String next = newPhone();
					if (users.call("send", next, () -> OtpApi.requestOtpAsync(gateway.url(), next, Map.of())).status() == 200) {
						issued.put(next, sms.lastCode(next));
					}
				})) {
					await(Duration.ofSeconds(20), () -> issued.size() >= 30);
					killed = traffic.now();
					redis.killMaster();
					await(Duration.ofSeconds(30), () -> !redis.currentMaster().equals(masterBefore));
					promoted = traffic.now();
					await(Duration.ofSeconds(30), () -> traffic.calls().stream().filter(call -> call.start() > killed && call.ok()).count() >= 30);
					calls = traffic.stop();
					stall = traffic.maxStallMillis();
				}

				assertNone(calls, "had a transport error", call -> call.error() != null);
				assertNone(calls, "were neither 200 nor 503 store_unavailable with a Retry-After",
						call -> call.status() != 200 && !ProblemAssert.satisfies(call.answer(), problem -> problem
							.hasStatus(503)
							.hasCode("store_unavailable")
							.hasRetryAfterBetween(1, OPEN_STATE.toSeconds() + 1)));
				assertNone(calls, "took longer than four Redis steps' timeouts", call -> call.took() > MAX_STEPS_MILLIS + 500 + stall);
				List<Call> refused = calls.stream().filter(call -> call.status() == 503).toList();
				long firstRefused = refused.stream().mapToLong(Call::start).min().orElse(killed);
				long lastRefused = refused.stream().mapToLong(Call::end).max().orElse(killed);
				long back = calls.stream().filter(call -> call.start() > killed && call.ok()).mapToLong(Call::end).min().orElseThrow();
				// Down after 1 s, election and promotion, reconnect (at most 1 s), the circuit's open state and trials.
				assertThat(back - killed).isLessThanOrEqualTo(SentinelRedis.DOWN_AFTER.toMillis() + 5000 + OPEN_STATE.toMillis() + 2000);

				// What the failover lost: codes answered 200 before the kill that the new master does not have.
				Set<String> beforeKill = calls.stream()
					.filter(call -> call.ok() && call.end() < killed)
					.map(Call::phone)
					.collect(Collectors.toSet());
				OtpKeys keys = new OtpKeys(prefix, new OtpHasher(GatewayInstance.HASH_SECRET));
				long lostKeys;
				try (StatefulRedisConnection<String, String> master = redis.connect(redis.currentMaster())) {
					lostKeys = beforeKill.stream().filter(issuedPhone -> master.sync().exists(keys.code(issuedPhone)) == 0).count();
				}
				long verified = 0;
				long expired = 0;
				for (Map.Entry<String, String> entry : issued.entrySet()) {
					Answer answer = OtpApi.verify(gateway.url(), entry.getKey(), entry.getValue());
					assertThat(answer.status()).as(answer.toString()).isIn(200, 401);
					if (answer.status() == 200) {
						verified++;
					}
					else {
						assertThatProblem(answer).hasStatus(401).hasCode("otp_expired");
						expired++;
					}
				}
				assertThat(lostKeys).as("codes issued before the kill and lost with the master").isLessThanOrEqualTo(expired);
				System.out.printf("RELIABILITY sentinel-failover: master %s killed at %d ms under %d users; replica promoted "
						+ "by %d ms (%d ms after the kill); 503s from %d to %d ms (%d answers, slowest %d ms); served again "
						+ "%d ms after the kill; %d codes issued before the kill, %d missing on the new master; of all %d "
						+ "codes issued, %d verified afterwards, %d expired; JVM stalled at most %d ms%n", masterBefore, killed, USERS, promoted,
						promoted - killed, firstRefused, lastRefused, refused.size(),
						refused.stream().mapToLong(Call::took).max().orElse(0), back - killed, beforeKill.size(), lostKeys,
						issued.size(), verified, expired, stall);
				System.out.println("Sentinel failover calls:" + Traffic.timeline(calls, 250));
			}
		}
	}

	private static void await(Duration atMost, Callable<Boolean> condition) {
		Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(20)).ignoreExceptions().until(condition);
	}

}
