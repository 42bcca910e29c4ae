package kz.cvety.otp.store;

import java.time.Duration;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

import kz.cvety.otp.resilience.CircuitBreakerSettings;

/**
 * How the OTP feature uses Redis: key prefix, command timeout, circuit breaker and what to do when Redis is
 * gone.
 */
@ConfigurationProperties(OtpRedisProperties.PREFIX)
@Validated
public class OtpRedisProperties extends CircuitBreakerSettings {

	/** Property prefix. */
	public static final String PREFIX = "cvety.otp.redis";

	/** Prefix of every key the gateway writes. */
	@NotNull
	@Pattern(regexp = "[A-Za-z0-9:_.-]{1,32}", message = "use 1 to 32 of A-Z a-z 0-9 : _ . -")
	private String keyPrefix = "cvety:";

	/** On OTP routes Redis errors refuse (closed); open admits and is only for non-OTP routes. */
	@NotNull
	private FailMode failMode = FailMode.CLOSED;

	/** Longest wait for one Redis step, or for the steps asked together, before 503 store_unavailable. */
	@NotNull
	private Duration commandTimeout = Duration.ofMillis(500);

	public OtpRedisProperties() {
		super(Duration.ofSeconds(5));
	}

	public String getKeyPrefix() {
		return this.keyPrefix;
	}

	public void setKeyPrefix(String keyPrefix) {
		this.keyPrefix = keyPrefix;
	}

	public FailMode getFailMode() {
		return this.failMode;
	}

	public void setFailMode(FailMode failMode) {
		this.failMode = failMode;
	}

	public Duration getCommandTimeout() {
		return this.commandTimeout;
	}

	public void setCommandTimeout(Duration commandTimeout) {
		this.commandTimeout = commandTimeout;
	}

	/** What a limit decision does when Redis cannot be asked. */
	public enum FailMode {

		/** Refuse with 503 store_unavailable: the only safe choice for OTP routes. */
		CLOSED,

		/** Admit, log at WARN and count: for limits on ordinary proxied routes. */
		OPEN

	}

}
