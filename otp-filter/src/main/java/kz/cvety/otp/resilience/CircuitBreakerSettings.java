package kz.cvety.otp.resilience;

import java.time.Duration;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/**
 * The circuit breaker settings every guarded dependency shares (backend, Redis, SMS provider); each properties
 * class extends this, so the keys stay flat ({@code cvety.otp.redis.failure-rate-threshold}).
 */
public class CircuitBreakerSettings {

	/** Failure rate, in percent, at which the circuit opens and calls fail fast. */
	@Min(1)
	@Max(100)
	private int failureRateThreshold = 50;

	/** Number of recent calls whose outcomes decide the failure rate. */
	@Min(1)
	private int slidingWindowSize = 20;

	/** Calls needed in the window before the failure rate is judged at all. */
	@Min(1)
	private int minimumNumberOfCalls = 10;

	/** How long an open circuit fails fast before it lets trial calls through; also its Retry-After. */
	@NotNull
	private Duration waitDurationInOpenState;

	protected CircuitBreakerSettings(Duration waitDurationInOpenState) {
		this.waitDurationInOpenState = waitDurationInOpenState;
	}

	public int getFailureRateThreshold() {
		return this.failureRateThreshold;
	}

	public void setFailureRateThreshold(int failureRateThreshold) {
		this.failureRateThreshold = failureRateThreshold;
	}

	public int getSlidingWindowSize() {
		return this.slidingWindowSize;
	}

	public void setSlidingWindowSize(int slidingWindowSize) {
		this.slidingWindowSize = slidingWindowSize;
	}

	public int getMinimumNumberOfCalls() {
		return this.minimumNumberOfCalls;
	}

	public void setMinimumNumberOfCalls(int minimumNumberOfCalls) {
		this.minimumNumberOfCalls = minimumNumberOfCalls;
	}

	public Duration getWaitDurationInOpenState() {
		return this.waitDurationInOpenState;
	}

	public void setWaitDurationInOpenState(Duration waitDurationInOpenState) {
		this.waitDurationInOpenState = waitDurationInOpenState;
	}

	/** The Resilience4j configuration; a minimum above the window is taken as the whole window. */
	public CircuitBreakerConfig circuitBreakerConfig() {
		return CircuitBreakerConfig.custom()
			.failureRateThreshold(this.failureRateThreshold)
			.slidingWindowSize(this.slidingWindowSize)
			.minimumNumberOfCalls(Math.min(this.minimumNumberOfCalls, this.slidingWindowSize))
			.waitDurationInOpenState(this.waitDurationInOpenState)
			// Half-open on time, not on the next call: health and metrics show recovery without traffic.
			.automaticTransitionFromOpenToHalfOpenEnabled(true)
			// Every request records into the window from both event loops; a lock there serialises them.
			.slidingWindowSynchronizationStrategy(CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.LOCK_FREE)
			.writableStackTraceEnabled(false)
			.build();
	}

}
