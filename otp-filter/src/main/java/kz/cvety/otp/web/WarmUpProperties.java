package kz.cvety.otp.web;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * The start-up warm-up of the OTP paths, which readiness waits for: how many passes it runs on throwaway keys,
 * how many at once, whether it goes on until the JIT compiler is quiet, and how long it may take before the
 * instance goes ready anyway.
 */
@ConfigurationProperties(WarmUpProperties.PREFIX)
@Validated
public class WarmUpProperties {

	/** Property prefix. */
	public static final String PREFIX = "cvety.otp.warm-up";

	/** Passes through send, refusal and verify on throwaway keys (0 turns the warm-up off). */
	@Min(value = 0, message = "must be at least 0")
	private int passes = 300;

	/** Passes run at once, so concurrent requests on one bucket are warmed up too. */
	@Min(value = 1, message = "must be from 1 to 64")
	@Max(value = 64, message = "must be from 1 to 64")
	private int concurrency = 8;

	/**
	 * Longest the warm-up may take, its wait for the compiler included; if its passes are not done by then, the
	 * instance reports ready anyway, with a warning. A minute: on a small machine the compiler needs most of it to
	 * go quiet under the warm-up's load (docs/BENCHMARKS.md), and an instance that goes ready before then serves
	 * its first seconds well below its speed.
	 */
	@NotNull
	private Duration timeout = Duration.ofSeconds(60);

	/**
	 * After its passes, the warm-up goes on until the JIT compiler is quiet (busy less than a tenth of a second),
	 * within the time-out; false stops it after its passes.
	 */
	private boolean untilCompiled = true;

	public int getPasses() {
		return this.passes;
	}

	public void setPasses(int passes) {
		this.passes = passes;
	}

	public int getConcurrency() {
		return this.concurrency;
	}

	public void setConcurrency(int concurrency) {
		this.concurrency = concurrency;
	}

	public boolean isUntilCompiled() {
		return this.untilCompiled;
	}

	public void setUntilCompiled(boolean untilCompiled) {
		this.untilCompiled = untilCompiled;
	}

	public Duration getTimeout() {
		return this.timeout;
	}

	public void setTimeout(Duration timeout) {
		this.timeout = timeout;
	}

}
