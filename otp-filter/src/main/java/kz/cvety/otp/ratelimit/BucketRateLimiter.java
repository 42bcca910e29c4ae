package kz.cvety.otp.ratelimit;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Cache;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import kz.cvety.otp.redis.LettuceBuckets;
import kz.cvety.otp.resilience.RedisGuard;
import kz.cvety.otp.support.LocalCaches;

/**
 * Counts with bucket4j token buckets kept in Redis (async API only: nothing blocks the event loop). Refusals
 * are remembered in {@link BlockedKeys} until a token is back, so hammering a blocked key costs no Redis
 * call. When ops change a limit, the new configuration replaces the stored one in every live bucket on its
 * next use (bucket4j implicit configuration replacement, newest version wins across instances); what a key
 * already used in each window counts against the new limit, raised or lowered ({@link UsedTokensInheritance}).
 * Each key's bucket proxy is kept and batches concurrent requests into one Redis call: bucket4j's Redis
 * integration is compare-and-swap based, and a burst on one key (one phone, one IP, the global budget) would
 * otherwise retry its CAS once per contender, until the command timeout.
 */
public final class BucketRateLimiter {

	private final LettuceBuckets buckets;

	private final BlockedKeys blocked;

	private final RedisGuard guard;

	private final AtomicLong configurationVersion = new AtomicLong(System.currentTimeMillis());

	// Batching needs one proxy per hot key (the global budget, a busy IP); Caffeine keeps frequently used keys
	// and lets one-off keys, a new phone's bucket, go soon, rather than holding 100,000 of them into the old
	// generation for the garbage collector to copy and scan.
	private final Cache<ProxyKey, AsyncBucketProxy> proxies = LocalCaches.newBuilder()
		.maximumSize(10_000)
		.expireAfterAccess(Duration.ofMinutes(1))
		.build();

	public BucketRateLimiter(LettuceBuckets buckets, BlockedKeys blocked, RedisGuard guard) {
		this.buckets = buckets;
		this.blocked = blocked;
		this.guard = guard;
	}

	/**
	 * Takes one token of {@code policy} from the bucket at {@code key}.
	 * @return the decision; fails with a {@code store_unavailable} problem when Redis cannot be asked
	 */
	public Mono<RateLimitDecision> tryConsume(NamedLimit policy, String key) {
		return tryConsume(policy, key, this.guard::guard);
	}

	/**
	 * Takes one token of {@code policy} from the bucket at {@code key} as a step guarded by {@code steps}, e.g. a
	 * {@link RedisGuard.Phase} of {@link #phase(Function)} that asks several buckets at once.
	 * @return the decision; fails with a {@code store_unavailable} problem when Redis cannot be asked
	 */
	public Mono<RateLimitDecision> tryConsume(NamedLimit policy, String key, RedisGuard.Steps steps) {
		RateLimitDecision cached = this.blocked.refusal(key);
		if (cached != null) {
			return Mono.just(cached);
		}
		return steps
			.step(policy.name(), this.buckets.manager()
				.flatMap(manager -> Mono.fromFuture(() -> bucket(manager, policy, key).tryConsumeAndReturnRemaining(1))))
			.map(probe -> decision(policy, probe))
			.doOnNext(decision -> {
				if (!decision.allowed()) {
					this.blocked.remember(key, decision);
				}
			});
	}

	/**
	 * Runs the Redis steps {@code body} asks, buckets of this limiter and any other, as one phase of this limiter's
	 * guard: one deadline, one circuit-breaker call and one hop off the Redis I/O thread for all of them.
	 */
	public <T> Mono<T> phase(Function<RedisGuard.Phase, Mono<T>> body) {
		return this.guard.phase(body);
	}

	/** The cached refusal of {@code key}, if it is known to be blocked, without asking Redis. */
	public @Nullable RateLimitDecision cachedRefusal(String key) {
		return this.blocked.refusal(key);
	}

	/** Gives back one token taken from {@code key}, e.g. when a later limit refused the request. */
	public Mono<Void> refund(NamedLimit policy, String key) {
		return this.guard
			.guard(policy.name() + "-refund",
					this.buckets.manager().flatMap(manager -> Mono.fromFuture(() -> bucket(manager, policy, key).addTokens(1))))
			.doOnSuccess(done -> this.blocked.forget(key));
	}

	/**
	 * The decision the next request at {@code key} would get, without taking its token: tokens left, the wait for
	 * the next one and the time until the bucket is full. A bucket Redis does not hold is full, and is not created.
	 */
	public Mono<RateLimitDecision> peek(NamedLimit policy, String key) {
		return this.guard.guard(policy.name() + "-peek", this.buckets.manager()
			.flatMap(manager -> Mono.fromFuture(() -> manager.getProxyConfiguration(key)).flatMap(stored -> {
				if (stored.isEmpty()) {
					return Mono.just(new RateLimitDecision(policy.name(), true, policy.quota(), policy.quota(),
							Duration.ZERO, Duration.ZERO, false));
				}
				return Mono.fromFuture(() -> bucket(manager, policy, key).asVerbose().estimateAbilityToConsume(1))
					.map(result -> new RateLimitDecision(policy.name(), result.getValue().canBeConsumed(),
							policy.quota(), result.getValue().getRemainingTokens(),
							Duration.ofNanos(result.getValue().getNanosToWaitForRefill()),
							Duration.ofNanos(result.getDiagnostics().calculateFullRefillingTime()), false));
			})));
	}

	/**
	 * Deletes the bucket at {@code key}, so it starts full, and forgets this instance's cached refusal of it.
	 * @return whether Redis held the bucket
	 */
	public Mono<Boolean> clear(String key) {
		return this.guard.guard("clear", this.buckets.delete(key)).doOnSuccess(done -> this.blocked.forget(key));
	}

	/**
	 * Makes every bucket take its policy's current configuration on next use, and forgets cached refusals
	 * decided under the old limits.
	 */
	public void limitsChanged() {
		this.configurationVersion.updateAndGet(previous -> Math.max(previous + 1, System.currentTimeMillis()));
		this.blocked.clear();
		this.proxies.invalidateAll();
	}

	private AsyncBucketProxy bucket(AsyncProxyManager<String> manager, NamedLimit policy, String key) {
		long version = this.configurationVersion.get();
		return this.proxies.get(new ProxyKey(key, version, policy), ignored -> {
			BucketConfiguration configuration = policy.bucketConfiguration();
			return manager.builder()
				// The strategy named here is bucket4j's nearest; UsedTokensInheritance replaces how it carries tokens.
				.withImplicitConfigurationReplacement(version, TokensInheritanceStrategy.ADDITIVE)
				.withOptimization(new ConfigurationUpfront(configuration,
						new UsedTokensInheritance(Optimizations.batching())))
				.build(key, () -> CompletableFuture.completedFuture(configuration));
		});
	}

	// The version and policy are part of the key, so a proxy built before a refresh is never reused after it.
	private record ProxyKey(String key, long version, NamedLimit policy) {
	}

	private static RateLimitDecision decision(NamedLimit policy, ConsumptionProbe probe) {
		Duration retryAfter = Duration.ofNanos(probe.getNanosToWaitForRefill());
		Duration reset = Duration.ofNanos(probe.getNanosToWaitForReset());
		return new RateLimitDecision(policy.name(), probe.isConsumed(), policy.quota(), probe.getRemainingTokens(),
				retryAfter, reset, false);
	}

}
