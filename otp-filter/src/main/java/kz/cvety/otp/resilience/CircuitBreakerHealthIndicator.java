package kz.cvety.otp.resilience;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Reports a circuit breaker's state: {@code UP} while it lets calls through (closed or half-open),
 * {@code DOWN} while it is open. Keep it out of the readiness group when the dependency is not worth taking the
 * gateway out of rotation for (the SMS provider).
 */
public final class CircuitBreakerHealthIndicator implements HealthIndicator {

	private final CircuitBreaker circuitBreaker;

	public CircuitBreakerHealthIndicator(CircuitBreaker circuitBreaker) {
		this.circuitBreaker = circuitBreaker;
	}

	@Override
	public Health health() {
		CircuitBreaker.State state = this.circuitBreaker.getState();
		CircuitBreaker.Metrics metrics = this.circuitBreaker.getMetrics();
		Health.Builder builder = switch (state) {
			case OPEN, FORCED_OPEN -> Health.down();
			default -> Health.up();
		};
		return builder.withDetail("circuit", this.circuitBreaker.getName())
			.withDetail("state", state.name())
			.withDetail("failureRate", metrics.getFailureRate())
			.withDetail("bufferedCalls", metrics.getNumberOfBufferedCalls())
			.build();
	}

}
