package kz.cvety.edge.limits;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import kz.cvety.edge.support.ConfigFiles;
import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi;
import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.edge.support.RedisContents;
import kz.cvety.edge.support.SmsSink;
import kz.cvety.otp.testing.TestRedis;

import static kz.cvety.edge.support.OtpApi.requestOtp;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SMS-pumping guard on a real gateway and Redis: a number range or a region that is sent many codes and
 * verifies few is refused codes ({@code 429 rate_limited}, {@code limit: pumping-guard}) until its block ends.
 * The range and per-IP limits are lifted and clients rotate addresses, so the guard is what answers.
 */
@ExtendWith(OutputCaptureExtension.class)
class LimitPumpingGuardIT {

	static SmsSink sms;

	static RedisContents redis;

	@TempDir
	Path config;

	@BeforeAll
	static void startSink() {
		OtpApi.warmUpJvm();
		sms = new SmsSink();
		redis = RedisContents.connect();
	}

	@AfterAll
	static void stopSink() {
		redis.close();
		sms.close();
	}

	@Test
	void aRingWalkingARangeIsRefusedOnceSuspectedWhileOtherRangesAndRegionsGetCodes() {
		try (GatewayInstance gateway = start(Map.of("cvety.otp.pumping.min-sends", "10"))) {
			List<Answer> ring = walk(gateway, "+7701444%04d", 0, 12);

			assertThat(ring.subList(0, 10)).allSatisfy(answer -> assertThat(answer.status()).as(answer.toString()).isEqualTo(200));
			assertThat(ring.subList(10, 12)).allSatisfy(answer -> {
				// The block lasts block-for (1h) from the trip: Retry-After is the time left of it.
				assertThatProblem(answer).isRateLimitedBy("pumping-guard").hasRetryAfterBetween(3590, 3600);
				assertThat(answer.body().path("detail").asString()).contains("range");
				assertThat(answer.hasRateLimitHeaders()).isTrue();
				assertThat(answer.header("RateLimit-Remaining")).isEqualTo("0");
			});
			assertThat(sms.messages()).filteredOn(message -> message.phone().startsWith("+7701444")).hasSize(10);

			assertThat(requestOtp(gateway.url(), "+77014450000", client(1)).status()).as("next range").isEqualTo(200);
			assertThat(requestOtp(gateway.url(), "+79161234567", client(2)).status()).as("another region").isEqualTo(200);
			assertThat(requestOtp(gateway.url(), "+998901234567", client(3)).status()).as("another region").isEqualTo(200);
			assertThat(metrics(gateway)).contains("cvety_otp_pumping_suspected_total{dry_run=\"false\",scope=\"range\"} 1.0")
				.contains("cvety_otp_limit_decisions_total{limit=\"pumping-guard\",outcome=\"refused\",source=\"redis\"} 2.0");
		}
	}

	@Test
	void aConcurrentRingIsStoppedAtExactlyMinSendsCodes() {
		try (GatewayInstance gateway = start(Map.of("cvety.otp.pumping.min-sends", "10"))) {
			// A ring fires at a whole range at once: every send is admitted and counted by one script, so the tenth
			// count blocks the range and no send after it gets a code, however many were in flight.
			List<Answer> ring = OtpApi.concurrently(40,
					i -> OtpApi.requestOtpAsync(gateway.url(), String.format("+7705333%04d", i), client(i)));

			assertThat(ring).filteredOn(answer -> answer.status() == 200).hasSize(10);
			assertThat(ring).filteredOn(answer -> answer.status() != 200)
				.hasSize(30)
				.allSatisfy(answer -> assertThatProblem(answer).isRateLimitedBy("pumping-guard"));
			assertThat(sms.messages()).filteredOn(message -> message.phone().startsWith("+7705333")).hasSize(10);
		}
	}

	@Test
	void aCodeALaterLimitRefusesIsTakenBackFromTheCount() {
		try (GatewayInstance gateway = start(Map.of("cvety.otp.pumping.min-sends", "5", "cvety.otp.limits.send-per-ip",
				"3/1m"))) {
			Map<String, String> oneAddress = client(0);
			for (int i = 0; i < 3; i++) {
				assertThat(requestOtp(gateway.url(), String.format("+7707333%04d", i), oneAddress).status()).isEqualTo(200);
			}
			// Counted by the guard with the range, then refused by the address's limit: the count is taken back.
			assertThatProblem(requestOtp(gateway.url(), "+77073330003", oneAddress)).isRateLimitedBy("send-per-ip");
			Awaitility.await()
				.atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(sentCounted(gateway)).as("codes the range's count holds").isEqualTo(3));

			// So the range trips at its fifth code sent, not at its fifth code asked for.
			List<Answer> more = walk(gateway, "+7707333%04d", 10, 3);
			assertThat(more.subList(0, 2))
				.allSatisfy(answer -> assertThat(answer.status()).as(answer.toString()).isEqualTo(200));
			assertThatProblem(more.get(2)).isRateLimitedBy("pumping-guard");
			assertThat(sms.messages()).filteredOn(message -> message.phone().startsWith("+7707333")).hasSize(5);
		}
	}

	@Test
	void aTestNumbersCodeSendsNoSmsAndIsTakenBackFromTheCount() {
		String testNumber = "+77083330000";
		try (GatewayInstance gateway = start(Map.of("cvety.otp.pumping.min-sends", "3",
				"cvety.otp.test-numbers[" + testNumber + "]", "123456"))) {
			for (int i = 0; i < 5; i++) {
				assertThat(requestOtp(gateway.url(), testNumber, client(i)).status()).as("test number, send %d", i)
					.isEqualTo(200);
				// Counted on admission, taken back once the answer says no SMS went out.
				Awaitility.await()
					.atMost(Duration.ofSeconds(5))
					.untilAsserted(() -> assertThat(sentCounted(gateway)).isZero());
			}

			// Five codes asked for, none sent: the range trips at its third code sent.
			List<Answer> real = walk(gateway, "+7708333%04d", 1, 4);
			assertThat(real.subList(0, 3))
				.allSatisfy(answer -> assertThat(answer.status()).as(answer.toString()).isEqualTo(200));
			assertThatProblem(real.get(3)).isRateLimitedBy("pumping-guard");
			assertThat(sms.messages()).filteredOn(message -> message.phone().startsWith("+7708333")).hasSize(3);
		}
	}

	@Test
	void aRangeWhoseCustomersVerifyIsNeverBlocked() {
		try (GatewayInstance gateway = start(Map.of("cvety.otp.pumping.min-sends", "10"))) {
			for (int i = 0; i < 40; i++) {
				String phone = String.format("+7702333%04d", i);
				Answer sent = requestOtp(gateway.url(), phone, client(i));
				assertThat(sent.status()).as("send %d: %s", i, sent).isEqualTo(200);
				// Three customers in four log in: a normal range's conversion.
				if (i % 4 != 3) {
					Answer verified = OtpApi.verify(gateway.url(), phone, sms.lastCode(phone), client(i));
					assertThat(verified.status()).as(verified.toString()).isEqualTo(200);
				}
			}
			assertThat(metrics(gateway)).contains("cvety_otp_pumping_suspected_total{dry_run=\"false\",scope=\"range\"} 0.0");
		}
	}

	@Test
	void aRingSpreadOverManyRangesOfOneRegionIsRefusedAtTheRegionWhileTheHomeRegionIsNeverBlocked() {
		try (GatewayInstance gateway = start(Map.of("cvety.otp.pumping.min-sends", "10"))) {
			List<Answer> ring = new ArrayList<>();
			for (int range = 0; range < 4; range++) {
				ring.addAll(walk(gateway, "+9989012" + range + "%04d", 0, 3));
			}
			for (int range = 0; range < 6; range++) {
				assertThat(walk(gateway, "+770155" + range + "%04d", 100, 3))
					.allSatisfy(answer -> assertThat(answer.status()).as("home region: %s", answer).isEqualTo(200));
			}

			assertThat(ring.subList(0, 10)).allSatisfy(answer -> assertThat(answer.status()).as(answer.toString()).isEqualTo(200));
			assertThat(ring.subList(10, 12)).allSatisfy(answer -> {
				assertThatProblem(answer).isRateLimitedBy("pumping-guard");
				assertThat(answer.body().path("detail").asString()).contains("region");
			});
			Answer freshRange = requestOtp(gateway.url(), "+998911230000", client(200));
			assertThatProblem(freshRange).isRateLimitedBy("pumping-guard");
			assertThat(requestOtp(gateway.url(), "+79161234568", client(201)).status()).isEqualTo(200);
			assertThat(metrics(gateway)).contains("cvety_otp_pumping_suspected_total{dry_run=\"false\",scope=\"region\"} 1.0")
				.contains("cvety_otp_pumping_suspected_total{dry_run=\"false\",scope=\"range\"} 0.0");
		}
	}

	@Test
	void dryRunNeverRefusesButLogsAndCountsWhatItWouldRefuse(CapturedOutput output) {
		try (GatewayInstance gateway = start(Map.of("cvety.otp.pumping.min-sends", "5", "cvety.otp.limits.dry-run", "true"))) {
			List<Answer> ring = walkNotAllCounted(gateway, "+7705444%04d", 0, 10);

			assertThat(ring).allSatisfy(answer -> assertThat(answer.status()).as(answer.toString()).isEqualTo(200));
			assertThat(sms.messages()).filteredOn(message -> message.phone().startsWith("+7705444")).hasSize(10);
			assertThat(metrics(gateway)).contains("cvety_otp_pumping_suspected_total{dry_run=\"true\",scope=\"range\"} 1.0")
				.contains("cvety_otp_limit_decisions_total{limit=\"pumping-guard\",outcome=\"dry_run_refused\",source=\"redis\"} 5.0");
			assertThat(output).contains("SMS pumping suspected: range +7705444xxxx was sent 5 codes and verified 0")
				.contains("would be refused by pumping-guard (dry run)");
		}
	}

	@Test
	void aBlockEndsAfterBlockForAndTheRangeMustEarnItsVerdictAgain() throws InterruptedException {
		try (GatewayInstance gateway = start(Map.of("cvety.otp.pumping.min-sends", "5", "cvety.otp.pumping.block-for", "2s"))) {
			assertThat(walk(gateway, "+7707444%04d", 0, 5)).allSatisfy(answer -> assertThat(answer.status()).isEqualTo(200));
			Answer refused = requestOtp(gateway.url(), "+77074440005", client(5));
			assertThatProblem(refused).isRateLimitedBy("pumping-guard").hasRetryAfterBetween(1, 2);

			// What a client does: wait the Retry-After the refusal announced (the block's own end, in Redis's time).
			Thread.sleep(Duration.ofSeconds(refused.retryAfter()).toMillis());

			List<Answer> again = walk(gateway, "+7707444%04d", 10, 6);
			assertThat(again.subList(0, 5)).allSatisfy(answer -> assertThat(answer.status()).as(answer.toString()).isEqualTo(200));
			assertThatProblem(again.get(5)).isRateLimitedBy("pumping-guard");
		}
	}

	@Test
	void aScopeIsOneKeyPerScopeOnItsOwnHashTagWithNoDigitsInClearAndATtl() {
		try (GatewayInstance gateway = start(Map.of())) {
			assertThat(requestOtp(gateway.url(), "+79161239999", client(1)).status()).isEqualTo(200);

			// Counted on admission, before the answer.
			List<String> keys = redis.keys(gateway.keyPrefix() + "pump:*");
			assertThat(keys).hasSize(2)
				.anySatisfy(key -> assertThat(key).matches(".*pump:range:\\{[0-9a-f]{24}\\}"))
				.anySatisfy(key -> assertThat(key).matches(".*pump:region:\\{[0-9a-f]{24}\\}"))
				.allSatisfy(key -> {
					assertThat(key).doesNotContain("7916123").doesNotContain(":RU");
					assertThat(redis.pttl(key)).as("TTL of %s", key).isPositive();
				});
		}
	}

	@Test
	void refreshChangesTheThresholdsAndCanTurnTheGuardOff() throws IOException {
		writePumping("min-sends: 20");
		Map<String, String> settings = new LinkedHashMap<>(settings(Map.of()));
		settings.put("spring.config.additional-location", "file:" + this.config.toAbsolutePath() + "/");
		try (GatewayInstance gateway = GatewayInstance.start(settings)) {
			assertThat(walk(gateway, "+7708444%04d", 0, 10)).allSatisfy(answer -> assertThat(answer.status()).isEqualTo(200));

			writePumping("min-sends: 5");
			assertThat(OtpApi.post(gateway.url() + "/actuator/refresh", "").status()).isEqualTo(200);
			// The eleventh send is judged by the new threshold when it is counted, and trips the range.
			List<Answer> next = walk(gateway, "+7708444%04d", 10, 2);
			assertThat(next.get(0).status()).as(next.get(0).toString()).isEqualTo(200);
			assertThatProblem(next.get(1)).isRateLimitedBy("pumping-guard");

			writePumping("enabled: false");
			assertThat(OtpApi.post(gateway.url() + "/actuator/refresh", "").status()).isEqualTo(200);
			assertThat(walkNotAllCounted(gateway, "+7708444%04d", 20, 2))
				.allSatisfy(answer -> assertThat(answer.status()).isEqualTo(200));
		}
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
			"cvety.otp.pumping.min-sends      | 0       | must be at least 1",
			"cvety.otp.pumping.min-conversion | 1.5     | must be from 0 to 1",
			"cvety.otp.pumping.window         | 10s     | must be at least 60s",
			"cvety.otp.pumping.block-for      | 0s      | must be at least 1s",
			"cvety.otp.pumping.scopes         | country | cvety.otp.pumping.scopes",
			"cvety.otp.pumping.min-send       | 5       | Did you mean cvety.otp.pumping.min-sends?" })
	void aBadSettingStopsStartUpNamingTheKey(String key, String value, String reason, CapturedOutput output) {
		LimitConfigValidationIT.assertStartUpRefused(key, value, reason, output);
	}

	/**
	 * Sends a code to {@code count} numbers of {@code pattern} from {@code first}, each from another address, one
	 * after another as a ring does; the guard counts a send on admission, so each admitted send has changed the
	 * guard's keys by the time its answer arrives.
	 */
	static List<Answer> walk(GatewayInstance gateway, String pattern, int first, int count) {
		return walk(gateway, pattern, first, count, true);
	}

	/**
	 * As {@link #walk}, for sends the guard may not count: with the guard off, or in dry run, where a send to a
	 * blocked scope is admitted but not counted, as it would not have been sent.
	 */
	static List<Answer> walkNotAllCounted(GatewayInstance gateway, String pattern, int first, int count) {
		return walk(gateway, pattern, first, count, false);
	}

	private static List<Answer> walk(GatewayInstance gateway, String pattern, int first, int count, boolean counted) {
		String guardKeys = gateway.keyPrefix() + "pump:";
		List<Answer> answers = new ArrayList<>();
		for (int i = first; i < first + count; i++) {
			Map<String, String> before = redis.dump(guardKeys);
			Answer answer = requestOtp(gateway.url(), String.format(pattern, i), client(i));
			answers.add(answer);
			if (counted && answer.status() == 200) {
				assertThat(redis.dump(guardKeys)).as("the guard's keys once %s is answered", answer).isNotEqualTo(before);
			}
		}
		return answers;
	}

	/** The codes counted as sent in the gateway's range scopes, all steps of the window together. */
	static long sentCounted(GatewayInstance gateway) {
		long sent = 0;
		for (String fields : redis.dump(gateway.keyPrefix() + "pump:range:").values()) {
			for (String line : fields.split("\n")) {
				if (line.startsWith("s")) {
					sent += Long.parseLong(line.substring(line.indexOf('=') + 1));
				}
			}
		}
		return sent;
	}

	static Map<String, String> client(int n) {
		return Map.of("X-Forwarded-For", "203.0." + (113 + n / 250) + "." + (1 + n % 250));
	}

	static String metrics(GatewayInstance gateway) {
		return gateway.client().get().uri("/actuator/prometheus").exchange()
			.expectStatus().isOk()
			.expectBody(String.class).returnResult().getResponseBody();
	}

	static GatewayInstance start(Map<String, String> overrides) {
		return GatewayInstance.start(settings(overrides));
	}

	static Map<String, String> settings(Map<String, String> overrides) {
		Map<String, String> settings = GatewayInstance.defaults(sms.url(), TestRedis.uniquePrefix());
		settings.put("cvety.otp.trusted-proxy-hops", "1");
		settings.put("cvety.otp.allowed-regions", "KZ,RU,UZ");
		settings.put("cvety.otp.limits.send-per-prefix", "100000/1h");
		settings.put("cvety.otp.limits.send-per-ip", "100000/1m");
		settings.put("cvety.otp.pumping.min-conversion", "0.5");
		settings.put("cvety.otp.pumping.block-for", "1h");
		settings.putAll(overrides);
		return settings;
	}

	void writePumping(String line) throws IOException {
		ConfigFiles.writeOtpSection(this.config, "pumping", line);
	}

}
