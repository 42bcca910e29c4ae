package kz.cvety.edge.limits;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import kz.cvety.edge.support.ConfigFiles;
import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi;
import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.edge.support.SmsSink;
import kz.cvety.otp.testing.HttpStub;
import kz.cvety.otp.testing.TestRedis;

import static kz.cvety.edge.support.OtpApi.newPhone;
import static kz.cvety.edge.support.OtpApi.requestOtp;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ops change a limit in a config file and {@code POST /actuator/refresh}: live buckets take the new limit at
 * once, raised or lowered, keeping what each key already used; no restart, and no gateway start refills a bucket.
 */
class LimitRefreshIT {

	static SmsSink sms;

	@TempDir
	Path config;

	@BeforeAll
	static void startSink() {
		OtpApi.warmUpJvm();
		sms = new SmsSink();
	}

	@AfterAll
	static void stopSink() {
		sms.close();
	}

	@Test
	void refreshRaisesTheLimitOfALiveBucketWithoutARestart() throws IOException {
		writeLimits("[2/1m]");
		try (GatewayInstance gateway = GatewayInstance.start(settings(TestRedis.uniquePrefix()))) {
			String phone = newPhone();
			assertThat(sends(gateway, phone, 3)).isEqualTo(2);

			writeLimits("[5/1m]");
			Answer refresh = OtpApi.post(gateway.url() + "/actuator/refresh", "");

			assertThat(refresh.status()).isEqualTo(200);
			assertThat(refresh.body().toString()).contains("cvety.otp.limits.send-per-phone");
			Answer again = requestOtp(gateway.url(), phone);
			assertThat(again.status()).isEqualTo(200);
			assertThat(again.header("RateLimit-Limit")).isEqualTo("5");
			assertThat(again.header("RateLimit-Remaining")).isEqualTo("2");
			assertThat(sends(gateway, phone, 3)).isEqualTo(2);
		}
	}

	@Test
	void refreshKeepsWhatAPhoneUsedWhenItsLimitHasSeveralWindows() throws IOException {
		writeLimits("[2/1m, 10/1h]");
		try (GatewayInstance gateway = GatewayInstance.start(settings(TestRedis.uniquePrefix()))) {
			String phone = newPhone();
			assertThat(sends(gateway, phone, 3)).isEqualTo(2);

			writeLimits("[3/1m, 10/1h]");
			assertThat(OtpApi.post(gateway.url() + "/actuator/refresh", "").status()).isEqualTo(200);

			assertThat(sends(gateway, phone, 3)).isEqualTo(1);
		}
	}

	@Test
	void loweringTheLimitCountsWhatAPhoneAlreadyUsed() throws IOException {
		writeLimits("[10/1m]");
		try (GatewayInstance gateway = GatewayInstance.start(settings(TestRedis.uniquePrefix()))) {
			String phone = newPhone();
			assertThat(sends(gateway, phone, 3)).isEqualTo(3);

			writeLimits("[2/1m]");
			assertThat(OtpApi.post(gateway.url() + "/actuator/refresh", "").status()).isEqualTo(200);

			Answer refused = requestOtp(gateway.url(), phone);
			// 3 used of 2: greedy refill gives a token back every 30 s, and the first pays the debt.
			assertThatProblem(refused).isRateLimitedBy("send-per-phone").hasRetryAfterBetween(50, 60);
			assertThat(refused.header("RateLimit-Limit")).isEqualTo("2");
			assertThat(refused.header("RateLimit-Remaining")).isEqualTo("0");
			assertThat(sends(gateway, phone, 2)).isZero();
		}
	}

	@Test
	void loweringWithIntervalRefillAdmitsNothingUntilTheWindowTheCodesWereSentInEnds() throws IOException {
		writeConfig("send-per-phone: [10/1m]\n      refill: interval");
		try (GatewayInstance gateway = GatewayInstance.start(settings(TestRedis.uniquePrefix()))) {
			String phone = newPhone();
			assertThat(sends(gateway, phone, 3)).isEqualTo(3);

			writeConfig("send-per-phone: [2/1m]\n      refill: interval");
			assertThat(OtpApi.post(gateway.url() + "/actuator/refresh", "").status()).isEqualTo(200);

			Answer refused = requestOtp(gateway.url(), phone);
			assertThatProblem(refused).isRateLimitedBy("send-per-phone").hasRetryAfterBetween(1, 60);
			assertThat(refused.header("RateLimit-Limit")).isEqualTo("2");
		}
	}

	@Test
	void raisingTheLimitAdmitsOnlyTheDifference() throws IOException {
		writeLimits("[10/1m]");
		try (GatewayInstance gateway = GatewayInstance.start(settings(TestRedis.uniquePrefix()))) {
			String phone = newPhone();
			assertThat(sends(gateway, phone, 3)).isEqualTo(3);

			writeLimits("[20/1m]");
			assertThat(OtpApi.post(gateway.url() + "/actuator/refresh", "").status()).isEqualTo(200);

			Answer again = requestOtp(gateway.url(), phone);
			assertThat(again.status()).isEqualTo(200);
			assertThat(again.header("RateLimit-Limit")).isEqualTo("20");
			assertThat(again.header("RateLimit-Remaining")).as("17 left of 20, one taken").isEqualTo("16");
		}
	}

	@Test
	void loweringOneOfSeveralWindowsCountsWhatWasUsedInIt() throws IOException {
		writeConfig("send-per-phone: [3/1m, 10/1h]\n      refill: interval");
		try (GatewayInstance gateway = GatewayInstance.start(settings(TestRedis.uniquePrefix()))) {
			String phone = newPhone();
			assertThat(sends(gateway, phone, 2)).isEqualTo(2);

			writeConfig("send-per-phone: [5/1m, 2/1h]\n      refill: interval");
			assertThat(OtpApi.post(gateway.url() + "/actuator/refresh", "").status()).isEqualTo(200);

			Answer refused = requestOtp(gateway.url(), phone);
			// The hour's window, not the minute's.
			assertThatProblem(refused).isRateLimitedBy("send-per-phone").hasRetryAfterAtLeast(61);
		}
	}

	@Test
	void loweringTheVerifyBudgetCountsTheWrongCodesAlreadyTried() throws IOException {
		writeConfig("verify-failures-per-phone: [10/1h]");
		try (GatewayInstance gateway = GatewayInstance.start(settings(TestRedis.uniquePrefix()))) {
			String phone = newPhone();
			assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
			String wrong = OtpApi.wrongCode(sms.lastCode(phone));
			assertThatProblem(OtpApi.verify(gateway.url(), phone, wrong)).hasStatus(401).hasCode("otp_invalid");
			assertThatProblem(OtpApi.verify(gateway.url(), phone, wrong)).hasStatus(401).hasCode("otp_invalid");

			writeConfig("verify-failures-per-phone: [2/1h]");
			assertThat(OtpApi.post(gateway.url() + "/actuator/refresh", "").status()).isEqualTo(200);

			Answer locked = OtpApi.verify(gateway.url(), phone, sms.lastCode(phone));
			assertThatProblem(locked).hasStatus(429).hasCode("verify_locked");
		}
	}

	@Test
	void loweringARouteRateLimitCountsWhatTheClientAlreadyUsed() throws IOException {
		try (HttpStub backend = HttpStub.start()) {
			writeRoute(backend, "[10/1m]");
			try (GatewayInstance gateway = GatewayInstance.start(settings(TestRedis.uniquePrefix()))) {
				for (int i = 0; i < 3; i++) {
					assertThat(OtpApi.get(gateway.url() + "/api/orders/" + i).status()).isEqualTo(200);
				}

				writeRoute(backend, "[2/1m]");
				assertThat(OtpApi.post(gateway.url() + "/actuator/refresh", "").status()).isEqualTo(200);

				Answer refused = OtpApi.get(gateway.url() + "/api/orders/3");
				assertThatProblem(refused).isRateLimitedBy("orders").hasRetryAfterBetween(50, 60);
				assertThat(refused.header("RateLimit-Limit")).isEqualTo("2");
				assertThat(backend.requests()).hasSize(3);
			}
		}
	}

	@Test
	void aGatewayStartingLaterDoesNotRefillLiveBuckets() throws IOException {
		writeLimits("[2/1m, 10/1h]");
		String prefix = TestRedis.uniquePrefix();
		try (GatewayInstance first = GatewayInstance.start(settings(prefix))) {
			String phone = newPhone();
			assertThat(sends(first, phone, 3)).isEqualTo(2);

			try (GatewayInstance second = GatewayInstance.start(settings(prefix))) {
				Answer answer = requestOtp(second.url(), phone);

				assertThatProblem(answer).isRateLimitedBy("send-per-phone");
			}
		}
	}

	@Test
	void aRefreshWithABadLimitKeepsTheLimitsInForceUntilAGoodOne() throws IOException {
		writeLimits("[2/1m]");
		try (GatewayInstance gateway = GatewayInstance.start(settings(TestRedis.uniquePrefix()))) {
			String phone = newPhone();
			assertThat(sends(gateway, phone, 1)).isEqualTo(1);

			writeLimits("[5/xyz]");
			assertThat(OtpApi.post(gateway.url() + "/actuator/refresh", "").status()).isNotEqualTo(200);

			assertThat(sends(gateway, phone, 2)).isEqualTo(1);
			assertThat(requestOtp(gateway.url(), phone).header("RateLimit-Limit")).isEqualTo("2");

			writeLimits("[4/1m]");
			assertThat(OtpApi.post(gateway.url() + "/actuator/refresh", "").status()).isEqualTo(200);
			assertThat(sends(gateway, phone, 3)).isEqualTo(2);
		}
	}

	@Test
	void aRefreshWithAValueTheSettingsRefuseIsRefusedWithTheRestOfIt() throws IOException {
		writeLimits("[2/1m]");
		try (GatewayInstance gateway = GatewayInstance.start(settings(TestRedis.uniquePrefix()))) {
			String phone = newPhone();
			assertThat(sends(gateway, phone, 1)).isEqualTo(1);

			// A code TTL under 10 s binds, but makes no OTP settings.
			Files.writeString(this.config.resolve("application.yml"), """
					cvety:
					  otp:
					    ttl: 5s
					    limits:
					      send-per-phone: [4/1m]
					""");
			assertThat(OtpApi.post(gateway.url() + "/actuator/refresh", "").status()).isNotEqualTo(200);
			assertThat(requestOtp(gateway.url(), phone).header("RateLimit-Limit")).isEqualTo("2");

			writeLimits("[4/1m]");
			assertThat(OtpApi.post(gateway.url() + "/actuator/refresh", "").status()).isEqualTo(200);
			assertThat(sends(gateway, phone, 3)).isEqualTo(2);
		}
	}

	@Test
	void aRefreshThatWouldSwitchTheHandOffOnIsRefusedAndRightCodesStillVerify() throws IOException {
		writeLimits("[10/1m]");
		try (GatewayInstance gateway = GatewayInstance.start(settings(TestRedis.uniquePrefix()))) {
			ConfigFiles.writeOtpSection(this.config, "handoff", "enabled: true");
			assertThat(OtpApi.post(gateway.url() + "/actuator/refresh", "").status()).isNotEqualTo(200);

			String phone = newPhone();
			assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
			Answer verified = OtpApi.verify(gateway.url(), phone, sms.lastCode(phone));
			assertThat(verified.status()).isEqualTo(200);
			assertThat(verified.json().path("verification_token").asString("")).isNotEmpty();

			writeLimits("[10/1m]");
			assertThat(OtpApi.post(gateway.url() + "/actuator/refresh", "").status()).isEqualTo(200);
		}
	}

	@Test
	void aRefreshWithAMisspelledKeyIsRefusedAndChangesNothing() throws IOException {
		writeLimits("[2/1m]");
		try (GatewayInstance gateway = GatewayInstance.start(settings(TestRedis.uniquePrefix()))) {
			String phone = newPhone();
			assertThat(sends(gateway, phone, 1)).isEqualTo(1);

			writeConfig("send-per-phone: [2/1m]\n      send-per-phon: [9/1m]");
			Answer refused = OtpApi.post(gateway.url() + "/actuator/refresh", "");
			assertThat(refused.status()).isNotEqualTo(200);

			assertThat(requestOtp(gateway.url(), phone).header("RateLimit-Limit")).isEqualTo("2");
			assertThat(sends(gateway, phone, 2)).isZero();

			writeLimits("[4/1m]");
			assertThat(OtpApi.post(gateway.url() + "/actuator/refresh", "").status()).isEqualTo(200);
			assertThat(sends(gateway, phone, 3)).isEqualTo(2);
		}
	}

	@Test
	void refreshAppliesTheRangeLimitAndTheRangeWidthToLiveBuckets() throws IOException {
		writeConfig("send-per-prefix: [2/1h]");
		try (GatewayInstance gateway = GatewayInstance.start(settings(TestRedis.uniquePrefix()))) {
			assertThat(rangeSends(gateway, 0, 3)).isEqualTo(2);

			writeConfig("send-per-prefix: [3/1h]");
			assertThat(OtpApi.post(gateway.url() + "/actuator/refresh", "").status()).isEqualTo(200);
			assertThat(rangeSends(gateway, 3, 2)).as("what the range used counts against the new limit").isEqualTo(1);

			writeConfig("send-per-prefix: [3/1h]\n      prefix-suffix-digits: 2");
			assertThat(OtpApi.post(gateway.url() + "/actuator/refresh", "").status()).isEqualTo(200);
			assertThat(rangeSends(gateway, 100, 4)).as("a range of 100 numbers, new to its bucket").isEqualTo(3);
		}
	}

	@Test
	void refreshAppliesTheAddressGuessBudget() throws IOException {
		writeConfig("verify-failures-per-ip: [1/1h]");
		try (GatewayInstance gateway = GatewayInstance.start(settings(TestRedis.uniquePrefix()))) {
			assertThatProblem(wrongGuess(gateway)).hasStatus(401).hasCode("otp_invalid");
			assertThatProblem(wrongGuess(gateway)).isRateLimitedBy("verify-failures-per-ip");

			writeConfig("verify-failures-per-ip: [3/1h]");
			assertThat(OtpApi.post(gateway.url() + "/actuator/refresh", "").status()).isEqualTo(200);

			assertThatProblem(wrongGuess(gateway)).hasStatus(401).hasCode("otp_invalid");
			assertThatProblem(wrongGuess(gateway)).hasStatus(401).hasCode("otp_invalid");
			assertThatProblem(wrongGuess(gateway)).isRateLimitedBy("verify-failures-per-ip");
		}
	}

	/** Sends a code to {@code count} numbers of the range {@code +7701555....} from {@code first}; returns how many were admitted. */
	static long rangeSends(GatewayInstance gateway, int first, int count) {
		long admitted = 0;
		for (int i = first; i < first + count; i++) {
			Answer answer = requestOtp(gateway.url(), String.format("+7701555%04d", i));
			assertThat(answer.status()).as(answer.toString()).isIn(200, 429);
			if (answer.status() == 200) {
				admitted++;
			}
		}
		return admitted;
	}

	/** A code for a new phone, then one wrong guess at it from this test's address. */
	Answer wrongGuess(GatewayInstance gateway) {
		String phone = newPhone();
		assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
		return OtpApi.verify(gateway.url(), phone, OtpApi.wrongCode(sms.lastCode(phone)));
	}

	@Test
	void refreshIsNotExposedInProd() {
		Map<String, String> settings = GatewayInstance.defaults(sms.url(), TestRedis.uniquePrefix());
		settings.put("spring.profiles.active", "prod");
		try (GatewayInstance gateway = GatewayInstance.start(settings)) {
			assertThatProblem(OtpApi.post(gateway.url() + "/actuator/refresh", "")).hasStatus(404);
			assertThat(OtpApi.get(gateway.url() + "/actuator/health").status()).isEqualTo(200);
		}
	}

	/** Sends {@code count} request-otp for {@code phone} one after another; returns how many were admitted. */
	static long sends(GatewayInstance gateway, String phone, int count) {
		long admitted = 0;
		for (int i = 0; i < count; i++) {
			Answer answer = requestOtp(gateway.url(), phone);
			assertThat(answer.status()).as(answer.toString()).isIn(200, 429);
			if (answer.status() == 200) {
				admitted++;
			}
		}
		return admitted;
	}

	Map<String, String> settings(String prefix) {
		Map<String, String> settings = new LinkedHashMap<>(GatewayInstance.defaults(sms.url(), prefix));
		settings.put("spring.config.additional-location", "file:" + this.config.toAbsolutePath() + "/");
		return settings;
	}

	void writeConfig(String limits) throws IOException {
		ConfigFiles.writeOtpSection(this.config, "limits", limits);
	}

	void writeRoute(HttpStub backend, String limits) throws IOException {
		ConfigFiles.writeRateLimitedRoute(this.config, backend.url(), "limits: " + limits);
	}

	void writeLimits(String sendPerPhone) throws IOException {
		ConfigFiles.writeOtpSection(this.config, "limits", "send-per-phone: " + sendPerPhone);
	}

}
