package kz.cvety.otp.ratelimit;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitHeadersTest {

	@Test
	void reportsTheLimitClosestToExhaustionInWholeSeconds() {
		HttpHeaders headers = RateLimitHeaders.of(List.of(
				new RateLimitDecision("send-per-phone", true, 10, 3, Duration.ZERO, Duration.ofMillis(42_100), false),
				new RateLimitDecision("send-per-ip", true, 30, 29, Duration.ZERO, Duration.ofSeconds(2), false),
				new RateLimitDecision("send-global", true, 1000, 900, Duration.ZERO, Duration.ofSeconds(6), false)));

		assertThat(headers.getFirst("RateLimit-Limit")).isEqualTo("10");
		assertThat(headers.getFirst("RateLimit-Remaining")).isEqualTo("3");
		assertThat(headers.getFirst("RateLimit-Reset")).as("rounded up").isEqualTo("43");
	}

	@Test
	void fullBucketResetsInZeroSeconds() {
		HttpHeaders headers = RateLimitHeaders.of(
				List.of(new RateLimitDecision("send-per-phone", true, 10, 10, Duration.ZERO, Duration.ZERO, false)));
		assertThat(headers.getFirst("RateLimit-Reset")).isEqualTo("0");
	}

	@Test
	void noDecisionsNoHeaders() {
		assertThat(RateLimitHeaders.of(List.of()).isEmpty()).isTrue();
	}

}
