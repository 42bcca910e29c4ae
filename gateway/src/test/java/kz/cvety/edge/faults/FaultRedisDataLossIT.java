package kz.cvety.edge.faults;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.core.script.RedisScript;

import kz.cvety.edge.faults.Traffic.Call;
import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi;
import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.edge.support.ProblemAssert;
import kz.cvety.edge.support.SmsSink;
import kz.cvety.otp.testing.RedisProcess;
import kz.cvety.otp.testing.TestRedis;

import static kz.cvety.edge.faults.Traffic.assertNone;
import static kz.cvety.edge.support.OtpApi.newPhone;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis losing its data under a running gateway: restarted empty (codes outstanding at the time are dead for
 * good, the gateway goes on without a restart of its own), and its Lua script cache flushed under load (every
 * script is sent again after NOSCRIPT, no request fails).
 */
class FaultRedisDataLossIT {

	static SmsSink sms;

	static RedisProcess redis;

	static GatewayInstance gateway;

	@BeforeAll
	static void start() {
		OtpApi.warmUpJvm();
		sms = new SmsSink();
		redis = RedisProcess.start();
		Map<String, String> settings = GatewayInstance.defaults(sms.url(), TestRedis.uniquePrefix());
		settings.put("spring.data.redis.url", redis.url());
		settings.put("cvety.otp.limits.send-per-ip", "100000/1m");
		settings.put("cvety.otp.limits.send-global", "100000/1m");
		settings.put("cvety.otp.limits.send-per-phone", "3/1m");
		settings.put("cvety.otp.redis.wait-duration-in-open-state", "2s");
		gateway = GatewayInstance.start(settings);
		OtpApi.warmUp(gateway.url(), 5, Map.of());
	}

	@AfterAll
	static void stop() {
		gateway.close();
		redis.close();
		sms.close();
	}

	@Test
	void codesOutstandingWhenRedisLostItsDataNeverVerifyAgainAndTheGatewayGoesOn() {
		Map<String, String> outstanding = new LinkedHashMap<>();
		for (int i = 0; i < 5; i++) {
			String phone = newPhone();
			assertThat(OtpApi.requestOtp(gateway.url(), phone).status()).isEqualTo(200);
			outstanding.put(phone, sms.lastCode(phone));
		}
		// One phone has used up its three sends a minute: its refusal is remembered by the gateway.
		String limited = outstanding.keySet().iterator().next();
		OtpApi.requestOtp(gateway.url(), limited);
		OtpApi.requestOtp(gateway.url(), limited);
		assertThatProblem(OtpApi.requestOtp(gateway.url(), limited)).isRateLimitedBy("send-per-phone");
		outstanding.put(limited, sms.lastCode(limited));

		redis.stop();
		redis.restart();
		await(() -> OtpApi.requestOtp(gateway.url(), newPhone()).status() == 200);

		outstanding.forEach((phone, code) -> assertThatProblem(OtpApi.verify(gateway.url(), phone, code))
			.as("the code sent to " + phone + " before Redis lost its data")
			.hasStatus(401)
			.hasCode("otp_expired"));
		// The buckets went with the data, but a refusal the gateway remembers holds until its Retry-After.
		assertThatProblem(OtpApi.requestOtp(gateway.url(), limited)).isRateLimitedBy("send-per-phone");
		// A new code for the same phone is a new random code: the old one does not become valid with it.
		outstanding.remove(limited);
		outstanding.forEach((phone, old) -> {
			assertThat(OtpApi.requestOtp(gateway.url(), phone).status()).isEqualTo(200);
			String fresh = sms.lastCode(phone);
			if (!fresh.equals(old)) {
				assertThatProblem(OtpApi.verify(gateway.url(), phone, old)).hasStatus(401).hasCode("otp_invalid");
			}
			assertThat(OtpApi.verify(gateway.url(), phone, fresh).status()).isEqualTo(200);
			assertThatProblem(OtpApi.verify(gateway.url(), phone, old)).hasStatus(401).hasCode("otp_expired");
		});
	}

	@Test
	void luaScriptCacheFlushedUnderLoadCostsNoRequest() {
		RedisClient client = RedisClient.create(redis.url());
		List<Call> calls;
		int flushes = 0;
		try (StatefulRedisConnection<String, String> admin = client.connect();
				Traffic traffic = Traffic.start(4, users -> {
					String phone = newPhone();
					if (users.call("send", phone, () -> OtpApi.requestOtpAsync(gateway.url(), phone, Map.of())).status() == 200) {
						String code = sms.lastCode(phone);
						users.call("verify", phone, () -> OtpApi.verifyAsync(gateway.url(), phone, OtpApi.otherCode(code)));
						users.call("verify", phone, () -> OtpApi.verifyAsync(gateway.url(), phone, code));
					}
				})) {
			// Flush each time the users have made twenty more calls, so every script is evicted while in use.
			for (int round = 1; round <= 5; round++) {
				int target = round * 20;
				await(() -> traffic.calls().size() >= target);
				assertThat(admin.sync().scriptFlush()).isEqualTo("OK");
				flushes++;
			}
			int done = traffic.calls().size();
			await(() -> traffic.calls().size() >= done + 20);
			calls = traffic.stop();
			// Redis caches a script again only when it was sent in full: the gateway fell back from EVALSHA.
			List<String> shas = List.of("otpIssueScript", "otpAttemptScript", "otpVerifyScript").stream()
				.map(name -> gateway.context().getBean(name, RedisScript.class).getSha1())
				.toList();
			assertThat(admin.sync().scriptExists(shas.toArray(String[]::new))).as("scripts cached again after the flushes")
				.containsOnly(true);
		}
		finally {
			client.shutdown();
		}

		assertNone(calls, "failed", call -> call.status() != 200
				&& !ProblemAssert.satisfies(call.answer(), problem -> problem.hasStatus(401).hasCode("otp_invalid")));
		assertThat(calls.stream().filter(call -> call.kind().equals("verify") && call.ok()).count()).isPositive();
		System.out.printf("RELIABILITY redis-script-flush: SCRIPT FLUSH %d times under 4 users, %d calls, none failed%n",
				flushes, calls.size());
	}

	private static void await(Callable<Boolean> condition) {
		Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(condition);
	}

}
