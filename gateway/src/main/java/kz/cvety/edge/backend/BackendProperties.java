package kz.cvety.edge.backend;

import java.net.URI;
import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

import kz.cvety.otp.resilience.CircuitBreakerSettings;

/**
 * The gateway's own settings: the backend that every non-OTP route proxies to, its resilience, and whether
 * start-up refuses development-only settings.
 */
@ConfigurationProperties(BackendProperties.PREFIX)
@Validated
public class BackendProperties {

	/** Property prefix. */
	public static final String PREFIX = "cvety";

	/** Name of the circuit breaker that guards the proxied backend routes. */
	public static final String BACKEND_CIRCUIT_BREAKER = "backend";

	/** Base URL of the Cvety.kz backend that every non-OTP route is proxied to. */
	@NotNull
	private URI backendUrl = URI.create("http://localhost:8000");

	/** Refuse to start with development-only settings (embedded or missing Redis, log SMS sender, dev secrets). */
	private boolean strict;

	/** Resilience of the proxied backend routes. */
	@Valid
	private final Backend backend = new Backend();

	public URI getBackendUrl() {
		return this.backendUrl;
	}

	public void setBackendUrl(URI backendUrl) {
		this.backendUrl = backendUrl;
	}

	public boolean isStrict() {
		return this.strict;
	}

	public void setStrict(boolean strict) {
		this.strict = strict;
	}

	public Backend getBackend() {
		return this.backend;
	}

	/** Timeout and circuit breaker of the proxied backend routes. */
	public static class Backend extends CircuitBreakerSettings {

		/** Longest wait for the backend's response before the client gets a 504 problem. */
		@NotNull
		private Duration timeout = Duration.ofSeconds(10);

		public Backend() {
			super(Duration.ofSeconds(10));
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

	}

}
