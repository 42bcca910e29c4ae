package kz.cvety.otp.resilience;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CircuitRetryAfterTest {

	private Instant now = Instant.parse("2026-03-08T09:00:00Z");

	private final Clock clock = new Clock() {
		@Override
		public ZoneOffset getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(java.time.ZoneId zone) {
			return this;
		}

		@Override
		public Instant instant() {
			return CircuitRetryAfterTest.this.now;
		}
	};

	@Test
	void closedCircuitAnnouncesTheGivenWaitButAtLeastOneSecond() {
		CircuitRetryAfter retry = new CircuitRetryAfter(circuit(), this.clock);
		assertThat(retry.retryAfter(Duration.ofSeconds(3))).isEqualTo(Duration.ofSeconds(3));
		assertThat(retry.retryAfter(Duration.ZERO)).isEqualTo(Duration.ofSeconds(1));
	}

	@Test
	void openCircuitAnnouncesTheTimeLeftUntilHalfOpenPlusTheTrialCalls() {
		CircuitBreaker circuit = circuit();
		CircuitRetryAfter retry = new CircuitRetryAfter(circuit, this.clock);
		circuit.transitionToOpenState();
		assertThat(retry.retryAfter(Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(21));
		this.now = this.now.plusSeconds(15);
		assertThat(retry.retryAfter(Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(6));
		this.now = this.now.plusSeconds(10);
		assertThat(retry.retryAfter(Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(1));
	}

	private static CircuitBreaker circuit() {
		return CircuitBreaker.of("test",
				CircuitBreakerConfig.custom().waitDurationInOpenState(Duration.ofSeconds(20)).build());
	}

}
