package kz.cvety.otp.resilience;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;

/**
 * Tells how long until an open Resilience4j circuit lets calls through again, for an honest
 * {@code Retry-After}. The circuit breaker itself does not expose when it opened, so this listens for the
 * transition.
 */
public final class CircuitRetryAfter {

	private static final Duration MINIMUM = Duration.ofSeconds(1);

	private final CircuitBreaker circuitBreaker;

	private final Clock clock;

	private final AtomicReference<Instant> openedAt;

	public CircuitRetryAfter(CircuitBreaker circuitBreaker, Clock clock) {
		this.circuitBreaker = circuitBreaker;
		this.clock = clock;
		this.openedAt = new AtomicReference<>(clock.instant());
		circuitBreaker.getEventPublisher().onStateTransition(event -> {
			CircuitBreaker.State to = event.getStateTransition().getToState();
			if (to == CircuitBreaker.State.OPEN || to == CircuitBreaker.State.FORCED_OPEN) {
				this.openedAt.set(clock.instant());
			}
		});
	}

	/**
	 * While the circuit is open, the time left until it turns half-open plus {@code whenClosed}; otherwise
	 * {@code whenClosed}. Never less than one second.
	 */
	public Duration retryAfter(Duration whenClosed) {
		return retryAfter(whenClosed, whenClosed);
	}

	/**
	 * Like {@link #retryAfter(Duration)}, with {@code trialAllowance} added to the open circuit's remaining time:
	 * how long the half-open trial calls may take to close it again.
	 */
	public Duration retryAfter(Duration whenClosed, Duration trialAllowance) {
		Duration wait = whenClosed;
		if (this.circuitBreaker.getState() == CircuitBreaker.State.OPEN) {
			Duration openFor = Duration.ofMillis(
					this.circuitBreaker.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1));
			Duration elapsed = Duration.between(this.openedAt.get(), this.clock.instant());
			// A half-open circuit lets only a few trial calls through and refuses the rest until they close it:
			// clients told to come back the moment it half-opens would mostly be refused again.
			wait = openFor.minus(elapsed).plus(trialAllowance);
		}
		return (wait.compareTo(MINIMUM) < 0) ? MINIMUM : wait;
	}

	public CircuitBreaker circuitBreaker() {
		return this.circuitBreaker;
	}

}
