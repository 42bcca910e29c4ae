package kz.cvety.edge.limits;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis stopped under a running gateway: OTP routes fail closed and fast (503 {@code store_unavailable} with
 * {@code Retry-After}, no SMS, no verification), and the gateway resumes by itself once Redis is back.
 */
class LimitRedisOutageIT {

	@Test
	void redisOutageGivesFast503sThatAdmitNothingAndServiceResumesAfterRestart() {
		OtpApi.warmUpJvm();
		try (SmsSink sms = new SmsSink(); RedisProcess redis = RedisProcess.start()) {
			Map<String, String> settings = GatewayInstance.defaults(sms.url(), TestRedis.uniquePrefix());
			settings.put("spring.data.redis.url", redis.url());
			settings.put("cvety.otp.redis.wait-duration-in-open-state", "2s");
			try (GatewayInstance gateway = GatewayInstance.start(settings)) {
				String phone = newPhone();
				assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
				String code = sms.lastCode(phone);
				int sentBefore = sms.count();

				redis.stop();
				List<Answer> duringOutage = new ArrayList<>();
				for (int i = 0; i < 15; i++) {
					duringOutage.add(requestOtp(gateway.url(), newPhone()));
					duringOutage.add(verify(gateway.url(), phone, code));
				}

				assertThat(duringOutage).allSatisfy(answer -> {
					assertThatProblem(answer).hasStatus(503).hasCode("store_unavailable");
					assertThat(answer.took()).isLessThan(Duration.ofSeconds(1));
				});
				assertThat(sms.count()).isEqualTo(sentBefore);
				System.out.printf("Redis outage: %d answers, slowest %d ms%n", duringOutage.size(),
						duringOutage.stream().mapToLong(answer -> answer.took().toMillis()).max().orElseThrow());

				redis.restart();
				String after = newPhone();
				await().atMost(Duration.ofSeconds(30))
					.pollInterval(Duration.ofMillis(250))
					.until(() -> requestOtp(gateway.url(), after).status() == 200);

				// The restarted Redis is empty: the code issued before the outage is gone, a new one works.
				assertThatProblem(verify(gateway.url(), phone, code)).hasStatus(401).hasCode("otp_expired");
				assertThat(verify(gateway.url(), after, sms.lastCode(after)).status()).isEqualTo(200);
			}
		}
	}

}
