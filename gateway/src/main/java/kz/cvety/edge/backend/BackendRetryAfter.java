package kz.cvety.edge.backend;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;

import kz.cvety.otp.resilience.CircuitRetryAfter;

/**
 * The {@code Retry-After} of an answer that the backend is unavailable: while its circuit is open, the time left
 * until it half-opens plus the backend's timeout, for the trial calls that close it again; otherwise the circuit's
 * whole open wait. Spring Cloud makes the circuit breaker on the backend's first call, so this follows the
 * registry until it appears.
 */
final class BackendRetryAfter implements Supplier<Duration> {

	private final String name;

	private final Duration whenClosed;

	private final Duration trialAllowance;

	private final Clock clock;

	private final AtomicReference<CircuitRetryAfter> circuit = new AtomicReference<>();

	/**
	 * @param whenClosed announced while the circuit is closed or half-open
	 * @param trialAllowance how long the half-open circuit's trial calls may take: the backend's timeout
	 */
	BackendRetryAfter(CircuitBreakerRegistry registry, String name, Duration whenClosed, Duration trialAllowance,
			Clock clock) {
		this.name = name;
		this.whenClosed = whenClosed;
		this.trialAllowance = trialAllowance;
		this.clock = clock;
		registry.getEventPublisher().onEntryAdded(event -> follow(event.getAddedEntry()));
		registry.find(name).ifPresent(this::follow);
	}

	@Override
	public Duration get() {
		CircuitRetryAfter followed = this.circuit.get();
		return (followed != null) ? followed.retryAfter(this.whenClosed, this.trialAllowance) : this.whenClosed;
	}

	private void follow(CircuitBreaker circuitBreaker) {
		if (this.name.equals(circuitBreaker.getName())) {
			this.circuit.compareAndSet(null, new CircuitRetryAfter(circuitBreaker, this.clock));
		}
	}

}
