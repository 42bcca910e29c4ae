package kz.cvety.otp.problem;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * The arithmetic of {@code Retry-After} (RFC 9110 section 10.2.3, delta-seconds), shared by every layer that
 * announces a wait.
 */
public final class RetryAfter {

	private RetryAfter() {
	}

	/**
	 * Whole seconds to announce for {@code wait}: rounded up, so a client that waits exactly that long is not
	 * refused again, and at least 1.
	 */
	public static long seconds(@Nullable Duration wait) {
		if (wait == null || wait.isNegative() || wait.isZero()) {
			return 1;
		}
		long seconds = wait.getSeconds() + ((wait.getNano() > 0) ? 1 : 0);
		return Math.max(1, seconds);
	}

}
