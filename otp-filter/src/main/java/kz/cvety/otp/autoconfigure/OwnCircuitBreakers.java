package kz.cvety.otp.autoconfigure;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;

/**
 * The library's circuit breakers take their settings from {@code cvety.*} keys. Resilience4j's registry returns a
 * breaker it already holds by that name, whatever settings are asked for, so a breaker of the same name made from
 * Resilience4j's own instance settings ({@code resilience4j.circuitbreaker.instances.<name>}) would silently
 * replace the {@code cvety.*} ones: start-up refuses that instead, naming the key.
 */
final class OwnCircuitBreakers {

	/** Prefix of Resilience4j's own per-breaker settings. */
	static final String RESILIENCE4J_INSTANCES = "resilience4j.circuitbreaker.instances.";

	private OwnCircuitBreakers() {
	}

	/**
	 * @param name the breaker's name
	 * @param settings where its settings are, e.g. {@code cvety.otp.redis.circuit-breaker-*}
	 * @return {@code registry}, which holds no breaker of that name yet
	 */
	static CircuitBreakerRegistry requireUnmade(CircuitBreakerRegistry registry, String name, String settings) {
		if (registry.find(name).isPresent()) {
			throw new UnsafeConfigurationException(RESILIENCE4J_INSTANCES + name,
					"makes the '" + name + "' circuit breaker before the gateway does, so its " + settings
							+ " settings would be ignored",
					"Remove " + RESILIENCE4J_INSTANCES + name + " and set " + settings + " instead.");
		}
		return registry;
	}

}
