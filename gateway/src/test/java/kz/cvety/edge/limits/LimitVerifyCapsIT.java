package kz.cvety.edge.limits;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi;
import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.edge.support.SmsSink;

import static kz.cvety.edge.support.OtpApi.concurrently;
import static kz.cvety.edge.support.OtpApi.newPhone;
import static kz.cvety.edge.support.OtpApi.requestOtp;
import static kz.cvety.edge.support.OtpApi.verify;
import static kz.cvety.edge.support.OtpApi.verifyAsync;
import static kz.cvety.edge.support.OtpApi.wrongCode;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Verification caps on a real gateway: at most {@code max-attempts} evaluations per code however many guesses
 * arrive at once, and a failed-verification budget per phone that new codes do not replenish.
 */
class LimitVerifyCapsIT {

	static SmsSink sms;

	static GatewayInstance gateway;

	static GatewayInstance tightBudget;

	@BeforeAll
	static void start() {
		OtpApi.warmUpJvm();
		sms = new SmsSink();
		gateway = GatewayInstance.start(sms.url(), Map.of());
		tightBudget = GatewayInstance.start(sms.url(), Map.of("cvety.otp.limits.verify-failures-per-phone", "4/1h"));
		OtpApi.warmUp(gateway.url(), 5, Map.of());
	}

	@AfterAll
	static void stop() {
		tightBudget.close();
		gateway.close();
		sms.close();
	}

	@Test
	void fortyConcurrentWrongGuessesEvaluateAtMostThreeAndKillTheCode() {
		String phone = newPhone();
		assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
		String code = sms.lastCode(phone);

		List<Answer> answers = concurrently(40, i -> verifyAsync(gateway.url(), phone, wrongCode(code)));

		List<Answer> evaluated = answers.stream().filter(answer -> answer.status() == 401).toList();
		assertThat(evaluated).hasSizeLessThanOrEqualTo(3)
			.allSatisfy(answer -> assertThatProblem(answer).hasStatus(401).hasCode("otp_invalid"));
		assertThat(answers).filteredOn(answer -> answer.status() != 401)
			.hasSize(40 - evaluated.size())
			.allSatisfy(answer -> assertThatProblem(answer).hasStatus(429).hasCode("otp_attempts_exhausted"));

		Answer correct = verify(gateway.url(), phone, code);
		assertThatProblem(correct).hasStatus(429).hasCode("otp_attempts_exhausted");
	}

	@Test
	void newCodesDoNotBuyMoreFailedGuessesThanTheBudget() {
		String phone = newPhone();
		requestOtp(tightBudget.url(), phone);
		String first = sms.lastCode(phone);
		for (int i = 0; i < 3; i++) {
			assertThatProblem(verify(tightBudget.url(), phone, wrongCode(first))).hasStatus(401).hasCode("otp_invalid");
		}
		assertThatProblem(verify(tightBudget.url(), phone, first)).hasStatus(429).hasCode("otp_attempts_exhausted");

		requestOtp(tightBudget.url(), phone);
		String second = sms.lastCode(phone);
		assertThatProblem(verify(tightBudget.url(), phone, wrongCode(second))).hasStatus(401).hasCode("otp_invalid");
		Answer locked = verify(tightBudget.url(), phone, wrongCode(second));

		assertThatProblem(locked).hasStatus(429).hasCode("verify_locked");
		assertThat(locked.hasRateLimitHeaders()).isTrue();
		assertThatProblem(verify(tightBudget.url(), phone, second)).hasStatus(429).hasCode("verify_locked");
	}

	@Test
	void successDoesNotResetTheFailedVerificationBudget() {
		String phone = newPhone();
		requestOtp(tightBudget.url(), phone);
		String first = sms.lastCode(phone);
		assertThatProblem(verify(tightBudget.url(), phone, wrongCode(first))).hasStatus(401).hasCode("otp_invalid");
		assertThatProblem(verify(tightBudget.url(), phone, wrongCode(first))).hasStatus(401).hasCode("otp_invalid");
		assertThat(verify(tightBudget.url(), phone, first).status()).isEqualTo(200);

		requestOtp(tightBudget.url(), phone);
		String second = sms.lastCode(phone);
		assertThatProblem(verify(tightBudget.url(), phone, wrongCode(second))).hasStatus(401).hasCode("otp_invalid");
		assertThatProblem(verify(tightBudget.url(), phone, wrongCode(second))).hasStatus(401).hasCode("otp_invalid");

		assertThatProblem(verify(tightBudget.url(), phone, wrongCode(second))).hasStatus(429).hasCode("verify_locked");
	}

	@Test
	void lockingAStrangersPhoneTakesFourCodesAndTenWrongGuessesAndTheLockSaysHowLongAndTheWayOut() {
		String phone = newPhone();
		int sends = 0;
		int guesses = 0;
		Answer answer;
		do {
			if (guesses % 3 == 0) {
				assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
				sends++;
			}
			answer = verify(gateway.url(), phone, wrongCode(sms.lastCode(phone)));
			guesses++;
		}
		while (answer.status() == 401 && guesses < 20);

		// The default budget is 10/1h: the 11th guess is the first refused, after the fourth code.
		// Greedy refill gives one guess back every 6 minutes: that is the wait the answer announces.
		assertThatProblem(answer).hasStatus(429).hasCode("verify_locked").hasRetryAfterBetween(300, 360);
		assertThat(guesses - 1).as("wrong guesses evaluated before the lock").isEqualTo(10);
		assertThat(sends).as("codes requested to make them").isEqualTo(4);
		assertThat(answer.body().path("detail").asString()).contains("locked for 6 minutes")
			.contains("A new code does not lift the lock")
			.contains("support can lift it");

		assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
		Answer customer = verify(gateway.url(), phone, sms.lastCode(phone));
		assertThatProblem(customer).as("the customer's own right code while locked").hasStatus(429).hasCode("verify_locked");
	}

}
