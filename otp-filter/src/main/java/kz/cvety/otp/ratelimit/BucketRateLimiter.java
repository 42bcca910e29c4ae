package kz.cvety.otp.ratelimit;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.distributed.proxy.optimization.Optimization;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
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
 * <p>
 * A limit with a {@link SyncBound} (a key the whole fleet hits, such as a global budget) is counted ahead of Redis
 * by bucket4j's delaying optimization: each instance takes up to that many tokens locally between two syncs. A
 * refusal is always Redis's own, so its {@code Retry-After} includes what other instances already wrote; a refund
 * goes to Redis at once with the tokens taken before it; a proxy dropped from this instance writes its tokens first.
 */
public final class BucketRateLimiter {

	private static final Log logger = LogFactory.getLog(BucketRateLimiter.class);

	private final LettuceBuckets buckets;

	private final BlockedKeys blocked;

	private final RedisGuard guard;

	private final AtomicLong configurationVersion = new AtomicLong(System.currentTimeMillis());

	// The configuration version of each policy: the version current when the policy was first asked. A request in
	// flight across a refresh still holds the old policies, so it keeps their old version: were it to write the old
	// configuration under the new version, the new one, carrying no newer version, would never replace it. Weak keys
	// compare by identity (a refresh makes new policies, even where their limits are the same) and let replaced
	// policies go.
	private final Cache<NamedLimit, Long> versions = LocalCaches.newBuilder().weakKeys().build();

	// Batching needs one proxy per hot key (the global budget, a busy IP); Caffeine keeps frequently used keys
	// and lets one-off keys, a new phone's bucket, go soon, rather than holding 100,000 of them into the old
	// generation for the garbage collector to copy and scan.
	private final Cache<ProxyKey, AsyncBucketProxy> proxies = LocalCaches.newBuilder()
		.maximumSize(10_000)
		.expireAfterAccess(Duration.ofMinutes(1))
		.removalListener((ProxyKey key, AsyncBucketProxy proxy, RemovalCause cause) -> {
			if (key != null && proxy != null) {
				flush(key, proxy);
			}
		})
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
			.step(policy.name(), this.buckets.manager().flatMap(manager -> consume(bucket(manager, policy, key), policy)))
			.map(probe -> decision(policy, probe))
			.doOnNext(decision -> {
				if (!decision.allowed()) {
					this.blocked.remember(key, decision);
				}
			});
	}

	private static Mono<ConsumptionProbe> consume(AsyncBucketProxy bucket, NamedLimit policy) {
		Mono<ConsumptionProbe> once = Mono.fromFuture(() -> bucket.tryConsumeAndReturnRemaining(1));
		if (!policy.sync().delays()) {
			return once;
		}
		// bucket4j refuses from its local copy too, which misses what other instances took since the last sync: the
		// wait it gives is too short. Ask again on Redis's current state, so a refusal is Redis's own. The answer may
		// now be a token, which is as right; it costs one round trip per refusal the blocked-key cache lets through.
		return once.flatMap(probe -> probe.isConsumed() ? Mono.just(probe)
				: Mono.fromFuture(() -> bucket.getOptimizationController().syncImmediately()).then(once));
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

	/**
	 * Gives back one token taken from {@code key}, e.g. when a later limit refused the request. bucket4j's delaying
	 * sends a refund to Redis at once, with the tokens this instance took before it.
	 */
	public Mono<Void> refund(NamedLimit policy, String key) {
		return this.guard
			.guard(policy.name() + "-refund",
					this.buckets.manager().flatMap(manager -> Mono.fromFuture(() -> bucket(manager, policy, key).addTokens(1))))
			.doOnSuccess(done -> this.blocked.forget(key));
	}

	/**
	 * The decision the next request at {@code key} would get, without taking its token: tokens left, the wait for
	 * the next one and the time until the bucket is full. A bucket Redis does not hold is full, and is not created.
	 * It reads what Redis holds, without the tokens instances took ahead of it (at most their sync bound each).
	 */
	public Mono<RateLimitDecision> peek(NamedLimit policy, String key) {
		return this.guard.guard(policy.name() + "-peek", this.buckets.manager()
			.flatMap(manager -> Mono.fromFuture(() -> manager.getProxyConfiguration(key)).flatMap(stored -> {
				if (stored.isEmpty()) {
					return Mono.just(new RateLimitDecision(policy.name(), true, policy.quota(), policy.quota(),
							Duration.ZERO, Duration.ZERO, false));
				}
				// Read as Redis holds it, at the version of the policy asked for: the copy is a new object.
				NamedLimit inRedis = policy.withSync(SyncBound.NONE);
				long version = versionOf(policy);
				return Mono
					.fromFuture(() -> bucket(manager, inRedis, key, version).asVerbose().estimateAbilityToConsume(1))
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
	 * decided under the old limits. Tokens taken ahead of Redis under the old limits are written first. Call it once
	 * the new policies are in force: a policy first asked after it has the new configuration version.
	 */
	public void limitsChanged() {
		this.configurationVersion.updateAndGet(previous -> Math.max(previous + 1, System.currentTimeMillis()));
		this.blocked.clear();
		this.proxies.invalidateAll();
	}

	private AsyncBucketProxy bucket(AsyncProxyManager<String> manager, NamedLimit policy, String key) {
		return bucket(manager, policy, key, versionOf(policy));
	}

	private long versionOf(NamedLimit policy) {
		return this.versions.get(policy, asked -> this.configurationVersion.get());
	}

	private AsyncBucketProxy bucket(AsyncProxyManager<String> manager, NamedLimit policy, String key, long version) {
		return this.proxies.get(new ProxyKey(key, version, policy), ignored -> {
			BucketConfiguration configuration = policy.bucketConfiguration();
			Optimization optimization = policy.sync().delays()
					? new DelayedSync(policy.sync(),
							new ConfigurationUpfront(configuration, new UsedTokensInheritance(Optimization.NONE_OPTIMIZED)))
					: new ConfigurationUpfront(configuration, new UsedTokensInheritance(Optimizations.batching()));
			return manager.builder()
				// The strategy named here is bucket4j's nearest; UsedTokensInheritance replaces how it carries tokens.
				.withImplicitConfigurationReplacement(version, TokensInheritanceStrategy.ADDITIVE)
				.withOptimization(optimization)
				.build(key, () -> CompletableFuture.completedFuture(configuration));
		});
	}

	// A proxy that counts ahead of Redis holds tokens Redis has not seen: dropped unwritten (a refresh, a minute
	// unused, the size bound), they would be admitted beyond the bound. Nothing is sent when it holds none.
	private static void flush(ProxyKey key, AsyncBucketProxy proxy) {
		if (key.policy().sync().delays()) {
			proxy.getOptimizationController()
				.syncByCondition(1, Duration.ZERO)
				.exceptionally(ex -> {
					logger.debug("Tokens taken ahead of Redis at " + key.key() + " were not written: " + ex.getMessage());
					return null;
				});
		}
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
