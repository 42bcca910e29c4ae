package kz.cvety.otp.ratelimit;

import java.time.Duration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import org.jspecify.annotations.Nullable;

import kz.cvety.otp.support.LocalCaches;

/**
 * Remembers, in this process, keys whose bucket refused, until the moment a token is back: a bot hammering one
 * phone or IP then costs no Redis round trip. It can only refuse, never admit, so it never lets more than a
 * limit through; another instance without the entry simply asks Redis.
 */
public final class BlockedKeys {

	private final Cache<String, Blocked> cache;

	private final Ticker ticker;

	public BlockedKeys(long maximumSize, Ticker ticker) {
		this.ticker = ticker;
		this.cache = LocalCaches.newBuilder()
			.maximumSize(maximumSize)
			.ticker(ticker)
			.expireAfter(new Expiry<String, Blocked>() {
				@Override
				public long expireAfterCreate(String key, Blocked value, long currentTime) {
					return Math.max(0, value.untilNanos() - currentTime);
				}

				@Override
				public long expireAfterUpdate(String key, Blocked value, long currentTime, long currentDuration) {
					return Math.max(0, value.untilNanos() - currentTime);
				}

				@Override
				public long expireAfterRead(String key, Blocked value, long currentTime, long currentDuration) {
					return currentDuration;
				}
			})
			.build();
	}

	/** Remembers that {@code key} refused; {@code decision.retryAfter()} says for how long. */
	public void remember(String key, RateLimitDecision decision) {
		long now = this.ticker.read();
		this.cache.put(key, new Blocked(now + decision.retryAfter().toNanos(), now + decision.reset().toNanos(),
				decision.limitName(), decision.quota()));
	}

	/** The cached refusal for {@code key}, with the wait still left, or null when Redis must be asked. */
	public @Nullable RateLimitDecision refusal(String key) {
		Blocked blocked = this.cache.getIfPresent(key);
		if (blocked == null) {
			return null;
		}
		long now = this.ticker.read();
		long left = blocked.untilNanos() - now;
		if (left <= 0) {
			return null;
		}
		Duration wait = Duration.ofNanos(left);
		Duration reset = Duration.ofNanos(Math.max(left, blocked.resetNanos() - now));
		return new RateLimitDecision(blocked.limitName(), false, blocked.quota(), 0, wait, reset, true);
	}

	/** Forgets {@code key}, e.g. after a token was given back. */
	public void forget(String key) {
		this.cache.invalidate(key);
	}

	/** Forgets everything, e.g. after the limits changed. */
	public void clear() {
		this.cache.invalidateAll();
	}

	long size() {
		this.cache.cleanUp();
		return this.cache.estimatedSize();
	}

	private record Blocked(long untilNanos, long resetNanos, String limitName, long quota) {
	}

}
