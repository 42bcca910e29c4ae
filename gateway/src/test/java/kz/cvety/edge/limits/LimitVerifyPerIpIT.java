package kz.cvety.edge.limits;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.edge.support.SmsGateway;
import kz.cvety.otp.testing.TestRedis;

import static kz.cvety.edge.support.OtpApi.forwardedFor;
import static kz.cvety.edge.support.OtpApi.newPhone;
import static kz.cvety.edge.support.OtpApi.requestOtp;
import static kz.cvety.edge.support.OtpApi.verify;
import static kz.cvety.edge.support.OtpApi.wrongCode;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code verify-failures-per-ip}: wrong codes from one client IP across all phones are capped, so one address
 * cannot spray guesses at many customers' codes; a right code and guesses at missing codes do not count.
 */
class LimitVerifyPerIpIT {

	@RegisterExtension
	static final SmsGateway otp = SmsGateway
		.withSettings(Map.of("cvety.otp.trusted-proxy-hops", "1", "cvety.otp.limits.verify-failures-per-ip", "20/1h"));

	@Test
	void wrongCodesFromOneAddressAcrossTwentyFivePhonesAreRefusedAtTheBudget() {
		String guesser = "203.0.113.66";
		List<String> phones = new ArrayList<>();
		for (int i = 0; i < 26; i++) {
			String phone = newPhone();
			assertThat(requestOtp(otp.url(), phone, forwardedFor("198.51.100." + (i + 1))).status()).isEqualTo(200);
			phones.add(phone);
		}
		try (BucketProbe probe = new BucketProbe(TestRedis.url(), otp.keyPrefix())) {
			String budget = probe.keys().verifyFailuresPerIp(guesser);
			for (int i = 0; i < 10; i++) {
				assertThatProblem(verify(otp.url(), newPhone(), "000000", forwardedFor(guesser))).hasStatus(401)
					.hasCode("otp_expired");
			}
			assertThat(probe.availableTokens(budget)).as("after guesses at missing codes").isEmpty();
			String own = phones.remove(25);
			assertThat(verify(otp.url(), own, otp.sms().lastCode(own), forwardedFor(guesser)).status()).isEqualTo(200);
			// The token goes back when the request has settled, which may be just after the answer is written.
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(probe.availableTokens(budget)).as("after a right code").contains(20L));

			List<Answer> answers = phones.stream()
				.map(phone -> verify(otp.url(), phone, wrongCode(otp.sms().lastCode(phone)), forwardedFor(guesser)))
				.toList();

			assertThat(answers.subList(0, 20))
				.allSatisfy(answer -> assertThatProblem(answer).hasStatus(401).hasCode("otp_invalid"));
			assertThat(answers.subList(20, 25)).allSatisfy(answer -> {
				// Greedy refill of 20 an hour: one guess back every 3 minutes.
				assertThatProblem(answer).isRateLimitedBy("verify-failures-per-ip").hasRetryAfterBetween(120, 180);
				assertThat(answer.hasRateLimitHeaders()).isTrue();
			});
			// The refused guess charged neither the phone's budget nor more than its own attempt of the code.
			String refusedPhone = phones.get(20);
			assertThat(probe.availableTokens(probe.keys().verifyFailuresPerPhone(refusedPhone))).contains(10L);
			assertThat(verify(otp.url(), refusedPhone, otp.sms().lastCode(refusedPhone), forwardedFor("198.51.100.200")).status())
				.as("the customer's right code from another address")
				.isEqualTo(200);
			assertThatProblem(verify(otp.url(), phones.get(21), wrongCode(otp.sms().lastCode(phones.get(21))), forwardedFor("198.51.100.201")))
				.as("another address's wrong code")
				.hasStatus(401)
				.hasCode("otp_invalid");
		}
	}

	@Test
	void whenThePhoneAndTheAddressBudgetsAreBothSpentThePhoneLockAnswers() {
		try (GatewayInstance tight = GatewayInstance.start(otp.sms().url(),
				Map.of("cvety.otp.trusted-proxy-hops", "1", "cvety.otp.limits.verify-failures-per-phone", "2/1h",
						"cvety.otp.limits.verify-failures-per-ip", "3/1h"))) {
			Map<String, String> guesser = forwardedFor("203.0.113.77");
			String target = newPhone();
			String other = newPhone();
			requestOtp(tight.url(), target, forwardedFor("198.51.100.10"));
			requestOtp(tight.url(), other, forwardedFor("198.51.100.11"));
			String code = otp.sms().lastCode(target);
			assertThatProblem(verify(tight.url(), target, wrongCode(code), guesser)).hasStatus(401).hasCode("otp_invalid");
			assertThatProblem(verify(tight.url(), target, wrongCode(code), guesser)).hasStatus(401).hasCode("otp_invalid");
			assertThatProblem(verify(tight.url(), other, wrongCode(otp.sms().lastCode(other)), guesser)).hasStatus(401)
				.hasCode("otp_invalid");

			Answer both = verify(tight.url(), target, wrongCode(code), guesser);

			assertThatProblem(both).hasStatus(429).hasCode("verify_locked");
			assertThatProblem(verify(tight.url(), target, code, guesser)).as("again, from the cache")
				.hasStatus(429)
				.hasCode("verify_locked");
			String third = newPhone();
			requestOtp(tight.url(), third, forwardedFor("198.51.100.12"));
			Answer address = verify(tight.url(), third, wrongCode(otp.sms().lastCode(third)), guesser);
			assertThatProblem(address).isRateLimitedBy("verify-failures-per-ip");
		}
	}

}
