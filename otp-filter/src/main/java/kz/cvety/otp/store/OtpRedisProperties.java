package kz.cvety.otp.store;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * How the OTP feature uses Redis: key prefix, command timeout, circuit breaker and what to do when Redis is
 * gone.
 */
@ConfigurationProperties(OtpRedisProperties.PREFIX)
@Validated
public class OtpRedisProperties {

	/** Property prefix. */
	public static final String PREFIX = "cvety.otp.redis";

	/** Prefix of every key the gateway writes. */
	@NotNull
	@Pattern(regexp = "[A-Za-z0-9:_.-]{1,32}", message = "use 1 to 32 of A-Z a-z 0-9 : _ . -")
	private String keyPrefix = "cvety:";

	/** On OTP routes Redis errors refuse (closed); open admits and is only for non-OTP routes. */
	@NotNull
	private FailMode failMode = FailMode.CLOSED;

	/** Longest wait for one Redis step before the request fails fast with 503 store_unavailable. */
	@NotNull
	private Duration commandTimeout = Duration.ofMillis(500);

	/** Failure rate, in percent, at which the Redis circuit opens. */
	@Min(1)
	@Max(100)
	private int failureRateThreshold = 50;

	/** Number of recent Redis calls whose outcomes decide the failure rate. */
	@Min(1)
	private int slidingWindowSize = 20;

	/** Calls needed in the window before the failure rate is judged. */
	@Min(1)
	private int minimumNumberOfCalls = 10;

	/** How long an open Redis circuit answers 503 at once before it tries Redis again. */
	@NotNull
	private Duration waitDurationInOpenState = Duration.ofSeconds(5);

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

	/** What a limit decision does when Redis cannot be asked. */
	public enum FailMode {

		/** Refuse with 503 store_unavailable: the only safe choice for OTP routes. */
		CLOSED,

		/** Admit, log at WARN and count: for limits on ordinary proxied routes. */
		OPEN

	}

}
