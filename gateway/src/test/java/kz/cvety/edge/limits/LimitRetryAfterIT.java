package kz.cvety.edge.limits;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi;
import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.edge.support.SmsSink;

import static kz.cvety.edge.support.OtpApi.newPhone;
import static kz.cvety.edge.support.OtpApi.requestOtp;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code Retry-After} is honest for both refill modes: a client that waits exactly as long as announced is
 * admitted, one that comes back a second earlier is refused; {@code RateLimit-*} headers are on admitted and
 * refused answers alike.
 */
class LimitRetryAfterIT {

	static SmsSink sms;

	static GatewayInstance greedy;

	static GatewayInstance interval;

	@BeforeAll
	static void start() {
		OtpApi.warmUpJvm();
		sms = new SmsSink();
		greedy = GatewayInstance.start(sms.url(),
				Map.of("cvety.otp.limits.send-per-phone", "2/4s", "cvety.otp.limits.refill", "greedy"));
		interval = GatewayInstance.start(sms.url(),
				Map.of("cvety.otp.limits.send-per-phone", "2/4s", "cvety.otp.limits.refill", "interval"));
	}

	@AfterAll
	static void stop() {
		interval.close();
		greedy.close();
		sms.close();
	}

	@ParameterizedTest
	@ValueSource(strings = { "greedy", "interval" })
	void retryingAfterExactlyRetryAfterSucceedsAndOneSecondEarlierIsRefused(String refill) {
		String url = ("greedy".equals(refill) ? greedy : interval).url();
		String phone = newPhone();

		Answer first = requestOtp(url, phone);
		Answer second = requestOtp(url, phone);
		Answer refused = requestOtp(url, phone);
		Instant refusedAt = Instant.now();

		assertThat(first.status()).isEqualTo(200);
		assertThat(first.header("RateLimit-Limit")).isEqualTo("2");
		assertThat(first.header("RateLimit-Remaining")).isEqualTo("1");
		assertThat(second.status()).isEqualTo(200);
		assertThat(second.header("RateLimit-Remaining")).isEqualTo("0");
		assertThat(Long.parseLong(second.header("RateLimit-Reset"))).isBetween(1L, 4L);
		// Greedy gives a token back every 2 s, interval all of them 4 s after the first was taken.
		long retryAfter = "greedy".equals(refill) ? 2 : 4;
		assertThatProblem(refused).isRateLimitedBy("send-per-phone").hasRetryAfter(retryAfter);
		assertThat(refused.header("RateLimit-Limit")).isEqualTo("2");
		assertThat(refused.header("RateLimit-Remaining")).isEqualTo("0");
		assertThat(Long.parseLong(refused.header("RateLimit-Reset"))).isGreaterThanOrEqualTo(retryAfter);

		waitUntil(refusedAt.plusSeconds(retryAfter - 1));
		Answer early = requestOtp(url, phone);
		assertThatProblem(early).isRateLimitedBy("send-per-phone").hasRetryAfter(1);

		waitUntil(refusedAt.plusSeconds(retryAfter));
		Answer onTime = requestOtp(url, phone);
		assertThat(onTime.status()).isEqualTo(200);
		assertThat(onTime.hasRateLimitHeaders()).isTrue();
		assertThat(sms.messages()).filteredOn(message -> message.phone().equals(phone)).hasSize(3);
	}

	/** Lets the clock reach {@code deadline}. */
	static void waitUntil(Instant deadline) {
		await().pollDelay(Duration.ZERO)
			.pollInterval(Duration.ofMillis(10))
			.atMost(Duration.between(Instant.now(), deadline).plusSeconds(1))
			.until(() -> !Instant.now().isBefore(deadline));
	}

}
