package kz.cvety.edge.limits;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi;
import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.edge.support.SmsSink;
import kz.cvety.otp.testing.TestRedis;

import static kz.cvety.edge.support.OtpApi.newPhone;
import static kz.cvety.edge.support.OtpApi.requestOtp;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code dry-run: true} decides and reports, but never refuses: ops can try a tighter limit on live traffic; a
 * refund gives back only the tokens the send took.
 */
class LimitDryRunIT {

	@Test
	void dryRunNeverRefusesSendsBeyondTheLimitButStillReportsRateLimitHeaders() {
		OtpApi.warmUpJvm();
		try (SmsSink sms = new SmsSink();
				GatewayInstance gateway = GatewayInstance.start(sms.url(),
						Map.of("cvety.otp.limits.dry-run", "true", "cvety.otp.limits.send-per-phone", "2/1m",
								"cvety.otp.limits.send-per-ip", "3/1m"))) {
			String phone = newPhone();

			List<Answer> answers = IntStream.range(0, 6).mapToObj(i -> requestOtp(gateway.url(), phone)).toList();

			assertThat(answers).allSatisfy(answer -> {
				assertThat(answer.status()).isEqualTo(200);
				assertThat(answer.hasRateLimitHeaders()).isTrue();
				assertThat(answer.header("RateLimit-Limit")).isEqualTo("2");
			});
			assertThat(answers.get(0).header("RateLimit-Remaining")).isEqualTo("1");
			assertThat(answers.subList(1, 6)).allSatisfy(answer -> assertThat(answer.header("RateLimit-Remaining")).isEqualTo("0"));
			// Over the per-IP limit too, from the same client, with another phone.
			assertThat(requestOtp(gateway.url(), newPhone()).status()).isEqualTo(200);
			assertThat(sms.messages()).hasSize(7);
		}
	}

	@Test
	void sendRefundedAfterACertainSmsFailureGivesNoTokenToTheLimitThatRefusedItInDryRun() {
		OtpApi.warmUpJvm();
		SmsSink sms = new SmsSink();
		try (GatewayInstance gateway = GatewayInstance.start(sms.url(),
				Map.of("cvety.otp.limits.dry-run", "true", "cvety.otp.limits.send-per-phone", "1/1h",
						"cvety.otp.limits.send-per-ip", "1000/1h"));
				BucketProbe probe = new BucketProbe(TestRedis.url(), gateway.keyPrefix())) {
			String phone = newPhone();
			assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
			// Nothing listens any more: the next SMS certainly never reaches a provider, so its send is refunded.
			sms.close();

			Answer failed = requestOtp(gateway.url(), phone);

			assertThatProblem(failed).hasStatus(503).hasCode("sms_unavailable");
			// send-per-phone refused (dry run) and took no token, so gets none back; send-per-ip gets its token back.
			assertThat(probe.availableTokens(probe.keys().sendPerPhone(phone))).contains(0L);
			assertThat(probe.availableTokens(probe.keys().sendPerIp("127.0.0.1"))).contains(999L);
		}
		finally {
			sms.close();
		}
	}

	@Test
	void dryRunDecidesAndReportsTheRangeAndTheAddressGuessBudgetButNeverRefuses() {
		OtpApi.warmUpJvm();
		try (SmsSink sms = new SmsSink();
				GatewayInstance gateway = GatewayInstance.start(sms.url(),
						Map.of("cvety.otp.limits.dry-run", "true", "cvety.otp.trusted-proxy-hops", "1",
								"cvety.otp.limits.send-per-prefix", "2/1h", "cvety.otp.limits.verify-failures-per-ip",
								"2/1h"))) {
			List<String> phones = IntStream.range(0, 4).mapToObj(i -> "+7701777000" + i).toList();

			List<Answer> sends = IntStream.range(0, 4)
				.mapToObj(i -> requestOtp(gateway.url(), phones.get(i), Map.of("X-Forwarded-For", "203.0.113." + (i + 1))))
				.toList();
			List<Answer> guesses = phones.stream()
				.map(phone -> OtpApi.verify(gateway.url(), phone, OtpApi.wrongCode(sms.lastCode(phone)),
						Map.of("X-Forwarded-For", "198.51.100.9")))
				.toList();

			assertThat(sends).allSatisfy(answer -> assertThat(answer.status()).as(answer.toString()).isEqualTo(200));
			assertThat(sends.subList(2, 4)).allSatisfy(answer -> {
				assertThat(answer.header("RateLimit-Limit")).isEqualTo("2");
				assertThat(answer.header("RateLimit-Remaining")).isEqualTo("0");
			});
			assertThat(guesses).allSatisfy(answer -> assertThatProblem(answer).hasStatus(401).hasCode("otp_invalid"));
			assertThat(sms.messages()).hasSize(4);
			String metrics = gateway.client().get().uri("/actuator/prometheus").exchange()
				.expectStatus().isOk()
				.expectBody(String.class).returnResult().getResponseBody();
			assertThat(metrics).contains("cvety_otp_limit_decisions_total{limit=\"send-per-prefix\",outcome=\"dry_run_refused\"")
				.contains("cvety_otp_limit_decisions_total{limit=\"verify-failures-per-ip\",outcome=\"dry_run_refused\"");
		}
	}

}
