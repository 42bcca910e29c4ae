package kz.cvety.otp.support;

import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Builders of the in-process caches on the request path (parsed phones, key tags, bucket proxies, blocked keys).
 */
public final class LocalCaches {

	private LocalCaches() {
	}

	/**
	 * A Caffeine builder whose maintenance (eviction, expiry, buffer draining) runs on the thread that used the
	 * cache, a little at a time, instead of being handed to {@code ForkJoinPool.commonPool()}. Handing it off
	 * wakes a pool thread, a futex system call, every few writes; on the admitted send path, where each request
	 * writes a new phone, key tag and bucket proxy, that wake-up costs more than the maintenance itself (the
	 * profile is in docs/BENCHMARKS.md).
	 */
	public static Caffeine<Object, Object> newBuilder() {
		return Caffeine.newBuilder().executor(Runnable::run);
	}

}
