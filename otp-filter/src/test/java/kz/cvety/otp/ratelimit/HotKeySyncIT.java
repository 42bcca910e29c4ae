package kz.cvety.otp.ratelimit;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
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
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import kz.cvety.otp.redis.LettuceBuckets;
import kz.cvety.otp.resilience.CircuitRetryAfter;
import kz.cvety.otp.resilience.RedisGuard;
import kz.cvety.otp.testing.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A key counted ahead of Redis ({@link SyncBound}) by two gateway instances on real Redis: each has its own
 * limiter, bucket proxies and Redis connection. Together they admit the limit and at most their two bounds over
 * it, refuse with Redis's own wait, give refunds back at once and cost fewer Redis commands per token.
 */
class HotKeySyncIT {

	static final Duration TIMEOUT = Duration.ofSeconds(5);

	static final int CAPACITY = 100;

	static final int BOUND = 10;

	static final List<RedisClient> clients = new ArrayList<>();

	static final List<LettuceBuckets> buckets = new ArrayList<>();

	static RedisGuard guard;

	BucketRateLimiter first;

	BucketRateLimiter second;

	String key;

	@BeforeAll
	static void connect() {
		guard = new RedisGuard(new CircuitRetryAfter(CircuitBreaker.ofDefaults("hot-key-it"), Clock.systemUTC()),
				TIMEOUT);
		for (int i = 0; i < 2; i++) {
			RedisClient client = RedisClient.create(TestRedis.url());
			clients.add(client);
			LettuceBuckets instance = new LettuceBuckets(client, TimeMeter.SYSTEM_MILLISECONDS, TIMEOUT);
			buckets.add(instance);
			// Connect and load bucket4j before the first test, so a cold JVM does not spend a test's command timeout.
			new BucketRateLimiter(instance, new BlockedKeys(10, Ticker.systemTicker()), guard)
				.tryConsume(policy(SyncBound.NONE, "1/1m"), TestRedis.uniquePrefix() + "{warm-up}:send")
				.onErrorResume(ex -> Mono.empty())
				.block(Duration.ofSeconds(30));
		}
	}

	@AfterAll
	static void disconnect() {
		buckets.forEach(LettuceBuckets::close);
		clients.forEach(RedisClient::shutdown);
	}

	@BeforeEach
	void twoInstances() {
		this.first = new BucketRateLimiter(buckets.get(0), new BlockedKeys(1000, Ticker.systemTicker()), guard);
		this.second = new BucketRateLimiter(buckets.get(1), new BlockedKeys(1000, Ticker.systemTicker()), guard);
		this.key = TestRedis.uniquePrefix() + "{global}:send";
	}

	@Test
	void twoInstancesHammeringOneKeyAdmitTheLimitAndAtMostTheirBoundsOverIt() {
		NamedLimit hot = policy(new SyncBound(BOUND, Duration.ofMillis(250)), CAPACITY + "/1h");

		int admitted = hammer(hot, 3 * CAPACITY);

		assertThat(admitted).isBetween(CAPACITY, CAPACITY + 2 * BOUND);
	}

	@Test
	void withoutABoundTwoInstancesAdmitExactlyTheLimit() {
		NamedLimit exact = policy(SyncBound.NONE, CAPACITY + "/1h");

		assertThat(hammer(exact, 3 * CAPACITY)).isEqualTo(CAPACITY);
	}

	@Test
	void anInstanceIdleWhileAnotherSpendsTheLimitAdmitsItsBoundOverItAndNoMore() {
		NamedLimit hot = policy(new SyncBound(5, Duration.ofMinutes(1)), "20/1h");

		// The first instance syncs once and then holds its local copy of a nearly full bucket.
		assertThat(take(this.first, hot, 1)).isEqualTo(1);
		assertThat(take(this.second, hot, 40)).isEqualTo(19);

		assertThat(take(this.first, hot, 40)).as("what the first instance takes unseen").isEqualTo(5);
		assertThat(take(this.second, hot, 10)).isZero();
	}

	@Test
	void aRefusalIsRedisOwnWithTheWaitForWhatOtherInstancesTook() {
		NamedLimit hot = policy(Refill.GREEDY, new SyncBound(5, Duration.ofMinutes(1)), "20/1m");
		NamedLimit exact = policy(Refill.GREEDY, SyncBound.NONE, "20/1m");
		take(this.second, exact, 16);
		// The first instance's copy holds 3 tokens, which the second spends in Redis; the first then takes its
		// 3 unseen, leaving Redis 3 tokens short.
		assertThat(take(this.first, hot, 1)).isEqualTo(1);
		assertThat(take(this.second, exact, 3)).isEqualTo(3);
		assertThat(take(this.first, hot, 3)).isEqualTo(3);

		RateLimitDecision refused = this.first.tryConsume(hot, this.key).block(TIMEOUT);

		assertThat(refused.allowed()).isFalse();
		// Its own copy is at zero and would ask for one token, 3 s at 20/1m; Redis is 3 under and asks for 4, 12 s.
		assertThat(refused.retryAfter()).isGreaterThan(Duration.ofSeconds(9));
	}

	@Test
	void aRefundReachesRedisAtOnceWithTheTokensTakenBeforeIt() {
		NamedLimit hot = policy(new SyncBound(BOUND, Duration.ofMinutes(1)), CAPACITY + "/1h");
		assertThat(take(this.first, hot, 5)).isEqualTo(5);

		this.first.refund(hot, this.key).block(TIMEOUT);

		// Read by the other instance, from Redis.
		assertThat(this.second.peek(hot, this.key).block(TIMEOUT).remaining()).isEqualTo(CAPACITY - 4);
	}

	@Test
	void tokensTakenAheadOfRedisAreWrittenWhenTheLimitsChange() {
		NamedLimit hot = policy(new SyncBound(BOUND, Duration.ofMinutes(1)), CAPACITY + "/1h");
		assertThat(take(this.first, hot, 5)).isEqualTo(5);

		this.first.limitsChanged();

		await().atMost(TIMEOUT)
			.untilAsserted(() -> assertThat(this.second.peek(hot, this.key).block(TIMEOUT).remaining())
				.isEqualTo(CAPACITY - 5));
	}

	@Test
	void aHotKeyGoesToRedisOncePerBoundOfTokensAndOneMore() {
		NamedLimit exact = policy(SyncBound.NONE, "1000/1h");
		NamedLimit hot = policy(new SyncBound(BOUND, Duration.ofMinutes(1)), "1000/1h");
		String exactKey = TestRedis.uniquePrefix() + "{global}:send";
		int tokens = 3 * (BOUND + 1);
		try (StatefulRedisConnection<String, String> connection = clients.get(0).connect()) {
			RedisCommands<String, String> commands = connection.sync();
			// Created, then swapped once (the hot key: by its first sync, after BOUND tokens taken ahead): keys this
			// instance swapped last.
			take(this.first, exact, exactKey, 2);
			take(this.first, hot, this.key, BOUND + 2);

			commands.configResetstat();
			assertThat(take(this.first, exact, exactKey, tokens)).isEqualTo(tokens);
			Map<String, Long> exactCalls = BucketRateLimiterIT.calls(commands);
			commands.configResetstat();
			assertThat(take(this.first, hot, this.key, tokens)).isEqualTo(tokens);
			Map<String, Long> hotCalls = BucketRateLimiterIT.calls(commands);

			System.out.println("Redis commands for " + tokens + " tokens of a key swapped last: bound 0 " + exactCalls
					+ ", bound " + BOUND + " " + hotCalls);
			// A key this instance swapped last is one swap from what it wrote, a script call with a GET inside; no GET
			// of its own.
			assertThat(exactCalls).containsEntry("evalsha", 1L * tokens).containsEntry("get", 1L * tokens);
			// The local copy takes BOUND tokens; the next token goes to Redis with them.
			assertThat(hotCalls).containsEntry("evalsha", 3L).containsEntry("get", 3L);
		}
	}

	/** Both instances ask for {@code requests} tokens each, all at once; answers how many were admitted. */
	int hammer(NamedLimit policy, int requests) {
		Mono<Long> first = admitted(this.first, policy, requests).subscribeOn(Schedulers.parallel());
		Mono<Long> second = admitted(this.second, policy, requests).subscribeOn(Schedulers.parallel());
		return Mono.zip(first, second, Long::sum).block(Duration.ofSeconds(30)).intValue();
	}

	Mono<Long> admitted(BucketRateLimiter limiter, NamedLimit policy, int requests) {
		return Flux.range(0, requests)
			.flatMap(i -> limiter.tryConsume(policy, this.key), 32)
			.filter(RateLimitDecision::allowed)
			.count();
	}

	/** Asks {@code limiter} for {@code tokens} tokens one after another; answers how many were admitted. */
	int take(BucketRateLimiter limiter, NamedLimit policy, int tokens) {
		return take(limiter, policy, this.key, tokens);
	}

	static int take(BucketRateLimiter limiter, NamedLimit policy, String key, int tokens) {
		int admitted = 0;
		for (int i = 0; i < tokens; i++) {
			if (limiter.tryConsume(policy, key).block(TIMEOUT).allowed()) {
				admitted++;
			}
		}
		return admitted;
	}

	/** An interval refill: no token comes back while a test runs. */
	static NamedLimit policy(SyncBound sync, String... limits) {
		return policy(Refill.INTERVAL, sync, limits);
	}

	static NamedLimit policy(Refill refill, SyncBound sync, String... limits) {
		return new NamedLimit("send-global", List.of(limits).stream().map(Limit::valueOf).toList(), refill, sync);
	}

}
