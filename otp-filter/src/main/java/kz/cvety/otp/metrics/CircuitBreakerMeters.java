package kz.cvety.otp.metrics;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.CircuitBreakerMetricNames;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Binds a circuit breaker registry to Micrometer with Resilience4j's {@link TaggedCircuitBreakerMetrics}
 * ({@code resilience4j.circuitbreaker.*}, tag {@code name}), unless a breaker of the registry already has meters.
 */
public final class CircuitBreakerMeters {

	private static final String STATE = CircuitBreakerMetricNames.ofDefaults().getStateMetricName();

	private CircuitBreakerMeters() {
	}

	/**
	 * Binds {@code breakers} to {@code meters} unless a breaker in it already has a state gauge there: Resilience4j's
	 * Spring Boot publisher and Spring Cloud CircuitBreaker each bind the registry they use, and a second binding
	 * would record every call twice.
	 * @return whether this call bound the registry
	 */
	public static boolean bindUnlessBound(CircuitBreakerRegistry breakers, MeterRegistry meters) {
		boolean bound = breakers.getAllCircuitBreakers()
			.stream()
			.anyMatch(breaker -> meters.find(STATE).tag("name", breaker.getName()).meter() != null);
		if (bound) {
			return false;
		}
		TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(meters);
		return true;
	}

}
