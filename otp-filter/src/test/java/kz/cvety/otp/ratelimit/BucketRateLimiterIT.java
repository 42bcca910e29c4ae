package kz.cvety.otp.ratelimit;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.bucket4j.TimeMeter;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import kz.cvety.otp.redis.LettuceBuckets;
import kz.cvety.otp.resilience.CircuitRetryAfter;
import kz.cvety.otp.resilience.RedisGuard;
import kz.cvety.otp.testing.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link BucketRateLimiter} on real Redis when limits change under live buckets: what a key used in each window
 * counts against the new limit, raised or lowered.
 */
class BucketRateLimiterIT {

	static final Duration TIMEOUT = Duration.ofSeconds(2);

	static RedisClient client;

	static LettuceBuckets buckets;

	static RedisGuard guard;

	BucketRateLimiter limiter;

	String key;

	@BeforeAll
	static void connect() {
		client = RedisClient.create(TestRedis.url());
		buckets = new LettuceBuckets(client, TimeMeter.SYSTEM_MILLISECONDS, TIMEOUT);
		guard = new RedisGuard(new CircuitRetryAfter(CircuitBreaker.ofDefaults("limiter-it"), Clock.systemUTC()),
				TIMEOUT);
		// Connect and load bucket4j before the first test, so a cold JVM does not spend a test's command timeout.
		buckets.manager()
			.flatMap(manager -> Mono.fromFuture(() -> manager.getProxyConfiguration(TestRedis.uniquePrefix() + "warm-up")))
			.block(Duration.ofSeconds(30));
		new BucketRateLimiter(buckets, new BlockedKeys(10, Ticker.systemTicker()), guard)
			.tryConsume(policy(Refill.GREEDY, "1/1m"), TestRedis.uniquePrefix() + "{warm-up}:send")
			.onErrorResume(ex -> Mono.empty())
			.block(Duration.ofSeconds(30));
	}

	@AfterAll
	static void disconnect() {
		buckets.close();
		client.shutdown();
	}

	@BeforeEach
	void freshKey() {
		this.limiter = new BucketRateLimiter(buckets, new BlockedKeys(1000, Ticker.systemTicker()), guard);
		this.key = TestRedis.uniquePrefix() + "{limiter}:send";
	}

	@Test
	void loweringBelowWhatAKeyUsedAdmitsNothingUntilTheWindowAllows() {
		take(policy(Refill.GREEDY, "10/1m"), 3);
		this.limiter.limitsChanged();

		StepVerifier.create(this.limiter.tryConsume(policy(Refill.GREEDY, "2/1m"), this.key))
			.assertNext(decision -> {
				assertThat(decision.allowed()).isFalse();
				assertThat(decision.quota()).isEqualTo(2);
				assertThat(decision.remaining()).isZero();
				// One token over the new count: two tokens of 2/1m to refill before one can be taken.
				assertThat(decision.retryAfter()).isBetween(Duration.ofSeconds(55), Duration.ofSeconds(60));
			})
			.verifyComplete();
	}

	@Test
	void raisingAdmitsTheDifferenceAtOnce() {
		take(policy(Refill.INTERVAL, "10/1m"), 3);
		this.limiter.limitsChanged();

		StepVerifier.create(this.limiter.tryConsume(policy(Refill.INTERVAL, "20/1m"), this.key))
			.assertNext(decision -> {
				assertThat(decision.allowed()).isTrue();
				assertThat(decision.remaining()).isEqualTo(16);
			})
			.verifyComplete();
	}

	@Test
	void eachWindowKeepsItsOwnUse() {
		take(policy(Refill.GREEDY, "3/1m", "10/1h"), 3);
		this.limiter.limitsChanged();
		NamedLimit changed = policy(Refill.GREEDY, "5/1m", "4/1h");

		StepVerifier.create(this.limiter.tryConsume(changed, this.key))
			.assertNext(decision -> assertThat(decision.allowed()).isTrue())
			.verifyComplete();
		StepVerifier.create(this.limiter.tryConsume(changed, this.key))
			.assertNext(decision -> assertThat(decision.allowed()).as("4/1h with 4 used").isFalse())
			.verifyComplete();
	}

	@Test
	void aRequestStillHoldingTheOldLimitAfterAChangeNeverKeepsItInForce() {
		// The old limit was in use before the change; a request that still holds it is the first on a key after it.
		NamedLimit old = policy(Refill.GREEDY, "2/1m");
		StepVerifier.create(this.limiter.tryConsume(old, TestRedis.uniquePrefix() + "{limiter}:other"))
			.assertNext(decision -> assertThat(decision.allowed()).isTrue())
			.verifyComplete();
		this.limiter.limitsChanged();
		take(old, 1);

		NamedLimit raised = policy(Refill.GREEDY, "10/1m");
		StepVerifier.create(this.limiter.tryConsume(raised, this.key))
			.assertNext(decision -> {
				assertThat(decision.quota()).isEqualTo(10);
				assertThat(decision.remaining()).as("10/1m with 2 used").isEqualTo(8);
			})
			.verifyComplete();
		take(raised, 8);
		// A refund the old request settles late goes to the new configuration too.
		StepVerifier.create(this.limiter.refund(old, this.key)).verifyComplete();
		StepVerifier.create(this.limiter.tryConsume(raised, this.key))
			.assertNext(decision -> assertThat(decision.allowed()).isTrue())
			.verifyComplete();
		StepVerifier.create(this.limiter.tryConsume(raised, this.key))
			.assertNext(decision -> assertThat(decision.allowed()).as("10 used under 10/1m").isFalse())
			.verifyComplete();
	}

	@Test
	void aPeekStillHoldingTheOldLimitAfterAChangeLeavesTheNewOneInForce() {
		NamedLimit old = policy(Refill.GREEDY, "2/1m");
		take(old, 1);
		this.limiter.limitsChanged();

		// A look at the key under the old limit, the first after the change.
		StepVerifier.create(this.limiter.peek(old, this.key))
			.assertNext(decision -> assertThat(decision.allowed()).isTrue())
			.verifyComplete();
		StepVerifier.create(this.limiter.tryConsume(policy(Refill.GREEDY, "10/1m"), this.key))
			.assertNext(decision -> assertThat(decision.remaining()).as("10/1m with 2 used").isEqualTo(8))
			.verifyComplete();
	}

	@Test
	void peekingAfterAChangeShowsTheDebt() {
		take(policy(Refill.INTERVAL, "10/1m"), 3);
		this.limiter.limitsChanged();

		StepVerifier.create(this.limiter.peek(policy(Refill.INTERVAL, "2/1m"), this.key))
			.assertNext(decision -> {
				assertThat(decision.allowed()).isFalse();
				assertThat(decision.remaining()).isZero();
			})
			.verifyComplete();
	}

	void take(NamedLimit policy, int tokens) {
		for (int i = 0; i < tokens; i++) {
			StepVerifier.create(this.limiter.tryConsume(policy, this.key))
				.assertNext(decision -> assertThat(decision.allowed()).isTrue())
				.verifyComplete();
		}
	}

	/** Redis's calls per command since the last stats reset, script-internal ones included. */
	static Map<String, Long> calls(RedisCommands<String, String> commands) {
		Map<String, Long> calls = new HashMap<>();
		for (String line : commands.info("commandstats").split("\r?\n")) {
			if (line.startsWith("cmdstat_")) {
				String name = line.substring("cmdstat_".length(), line.indexOf(':'));
				String value = line.substring(line.indexOf("calls=") + "calls=".length());
				calls.put(name, Long.parseLong(value.substring(0, value.indexOf(','))));
			}
		}
		return calls;
	}

	static NamedLimit policy(Refill refill, String... limits) {
		return new NamedLimit("send-per-phone", List.of(limits).stream().map(Limit::valueOf).toList(), refill);
	}

}
