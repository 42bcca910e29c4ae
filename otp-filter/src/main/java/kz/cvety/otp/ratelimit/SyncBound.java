package kz.cvety.otp.ratelimit;

import java.time.Duration;

import io.github.bucket4j.distributed.proxy.optimization.DelayParameters;

/**
 * How far one instance may count a bucket ahead of Redis (bucket4j's delaying optimization): it takes up to
 * {@code tokens} locally and writes them to Redis when they are spent or {@code time} has passed since it last
 * did. Across {@code n} instances the bucket admits at most {@code n x tokens} more than its limit; zero tokens
 * asks Redis on every request.
 *
 * @param tokens tokens an instance may take without telling Redis; 0 never does
 * @param time longest an instance goes between two syncs of the bucket while it is used
 */
public record SyncBound(long tokens, Duration time) {

	/** Every request asks Redis. */
	public static final SyncBound NONE = new SyncBound(0, Duration.ofSeconds(1));

	public SyncBound {
		if (tokens < 0) {
			throw new IllegalArgumentException("unsynchronized tokens must be 0 or more, was " + tokens);
		}
		if (time == null || time.isNegative() || time.isZero()) {
			throw new IllegalArgumentException("time between syncs must be positive, was " + time);
		}
	}

	/** Whether an instance counts ahead of Redis at all. */
	public boolean delays() {
		return this.tokens > 0;
	}

	DelayParameters delayParameters() {
		return new DelayParameters(this.tokens, this.time);
	}

}
