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

import kz.cvety.edge.limits.OtpApi.Answer;
import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.SmsSink;
import kz.cvety.otp.testing.TestRedis;

import static kz.cvety.edge.limits.OtpApi.newPhone;
import static kz.cvety.edge.limits.OtpApi.requestOtp;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ops change a limit in a config file and {@code POST /actuator/refresh}: live buckets take the new limit at
 * once, keeping what each phone already used; no restart, and no gateway start refills anyone's bucket.
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
	void aGatewayStartingLaterDoesNotRefillLiveBuckets() throws IOException {
		writeLimits("[2/1m, 10/1h]");
		String prefix = TestRedis.uniquePrefix();
		try (GatewayInstance first = GatewayInstance.start(settings(prefix))) {
			String phone = newPhone();
			assertThat(sends(first, phone, 3)).isEqualTo(2);

			try (GatewayInstance second = GatewayInstance.start(settings(prefix))) {
				Answer answer = requestOtp(second.url(), phone);

				assertThat(answer.status()).isEqualTo(429);
				assertThat(answer.limit()).isEqualTo("send-per-phone");
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
	void aRefreshWithAMisspelledKeyIsRefusedAndChangesNothing() throws IOException {
		writeLimits("[2/1m]");
		try (GatewayInstance gateway = GatewayInstance.start(settings(TestRedis.uniquePrefix()))) {
			String phone = newPhone();
			assertThat(sends(gateway, phone, 1)).isEqualTo(1);

			Files.writeString(this.config.resolve("application.yml"), """
					cvety:
					  otp:
					    limits:
					      send-per-phone: [2/1m]
					      send-per-phon: [9/1m]
					""");
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
	void refreshIsNotExposedInProd() {
		Map<String, String> settings = GatewayInstance.defaults(sms.url(), TestRedis.uniquePrefix());
		settings.put("spring.profiles.active", "prod");
		try (GatewayInstance gateway = GatewayInstance.start(settings)) {
			assertThat(OtpApi.post(gateway.url() + "/actuator/refresh", "").status()).isEqualTo(404);
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

	void writeLimits(String sendPerPhone) throws IOException {
		Files.writeString(this.config.resolve("application.yml"), """
				cvety:
				  otp:
				    limits:
				      send-per-phone: %s
				""".formatted(sendPerPhone));
	}

}
