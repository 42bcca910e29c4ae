package kz.cvety.edge.limits;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi;
import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.edge.support.SmsSink;
import kz.cvety.otp.testing.RedisProcess;
import kz.cvety.otp.testing.TestRedis;

import static kz.cvety.edge.support.OtpApi.newPhone;
import static kz.cvety.edge.support.OtpApi.requestOtp;
import static kz.cvety.edge.support.OtpApi.verify;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How many commands Redis executes per OTP decision, counted by Redis itself ({@code INFO commandstats} after
 * {@code CONFIG RESETSTAT}) on a Redis only this gateway uses. The figures are printed; a refusal of a key the
 * gateway already knows to be blocked must cost none.
 */
class LimitRedisCommandsIT {

	@Test
	void commandsPerDecisionAndNoneForAKeyKnownToBeBlocked() {
		OtpApi.warmUpJvm();
		try (SmsSink sms = new SmsSink(); RedisProcess redis = RedisProcess.start()) {
			Map<String, String> settings = GatewayInstance.defaults(sms.url(), TestRedis.uniquePrefix());
			settings.put("spring.data.redis.url", redis.url());
			settings.put("cvety.otp.limits.send-per-phone", "2/1m");
			RedisClient client = RedisClient.create(redis.url());
			try (GatewayInstance gateway = GatewayInstance.start(settings);
					StatefulRedisConnection<String, String> connection = client.connect()) {
				RedisCommands<String, String> commands = connection.sync();
				String warm = newPhone();
				requestOtp(gateway.url(), warm);
				verify(gateway.url(), warm, sms.lastCode(warm));
				String phone = newPhone();

				Map<String, Long> firstSend = count(commands, () -> requestOtp(gateway.url(), phone), 200);
				Map<String, Long> secondSend = count(commands, () -> requestOtp(gateway.url(), phone), 200);
				Map<String, Long> refused = count(commands, () -> requestOtp(gateway.url(), phone), 429);
				Map<String, Long> refusedCached = count(commands, () -> requestOtp(gateway.url(), phone), 429);
				String code = sms.lastCode(phone);
				Map<String, Long> wrongCode = count(commands, () -> verify(gateway.url(), phone, OtpApi.wrongCode(code)), 401);
				Map<String, Long> rightCode = count(commands, () -> verify(gateway.url(), phone, code), 200);
				Map<String, Long> noCode = count(commands, () -> verify(gateway.url(), phone, code), 401);

				System.out.println("Redis commands per decision (INFO commandstats, script-internal calls included):");
				print("request-otp admitted, new phone", firstSend);
				print("request-otp admitted, same phone again", secondSend);
				print("request-otp refused by Redis", refused);
				print("request-otp refused, key cached as blocked", refusedCached);
				print("verify-otp wrong code", wrongCode);
				print("verify-otp right code", rightCode);
				print("verify-otp no live code", noCode);

				assertThat(refusedCached).isEmpty();
			}
			finally {
				client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
			}
		}
	}

	/**
	 * Runs {@code request} (expecting {@code status}) between a stats reset and a read of the stats once they
	 * stopped changing (a refund may land just after the answer), without the test's own commands and the
	 * background clock sampling.
	 */
	static Map<String, Long> count(RedisCommands<String, String> commands, Supplier<Answer> request, int status) {
		settled(commands);
		commands.configResetstat();
		Answer answer = request.get();
		assertThat(answer.status()).as(answer.toString()).isEqualTo(status);
		return settled(commands);
	}

	/** The stats once two reads 100 ms apart agree: the previous request's late steps have landed. */
	static Map<String, Long> settled(RedisCommands<String, String> commands) {
		AtomicReference<Map<String, Long>> last = new AtomicReference<>();
		await().pollDelay(Duration.ofMillis(100))
			.pollInterval(Duration.ofMillis(100))
			.atMost(Duration.ofSeconds(5))
			.until(() -> {
				Map<String, Long> now = stats(commands);
				return now.equals(last.getAndSet(now));
			});
		return last.get();
	}

	static Map<String, Long> stats(RedisCommands<String, String> commands) {
		Map<String, Long> calls = new TreeMap<>();
		for (String line : commands.info("commandstats").split("\r?\n")) {
			if (!line.startsWith("cmdstat_")) {
				continue;
			}
			String name = line.substring("cmdstat_".length(), line.indexOf(':'));
			if (name.startsWith("info") || name.startsWith("config") || name.equals("time")) {
				continue;
			}
			String value = line.substring(line.indexOf("calls=") + "calls=".length());
			calls.put(name, Long.parseLong(value.substring(0, value.indexOf(','))));
		}
		return calls;
	}

	static void print(String decision, Map<String, Long> calls) {
		long total = calls.values().stream().mapToLong(Long::longValue).sum();
		System.out.printf("  %-45s %3d  %s%n", decision, total, calls);
	}

}
