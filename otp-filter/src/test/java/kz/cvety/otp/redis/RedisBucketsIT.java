package kz.cvety.otp.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import kz.cvety.otp.ratelimit.BlockedKeys;
import kz.cvety.otp.ratelimit.BucketRateLimiter;
import kz.cvety.otp.ratelimit.Limit;
import kz.cvety.otp.ratelimit.NamedLimit;
import kz.cvety.otp.ratelimit.RateLimitDecision;
import kz.cvety.otp.ratelimit.Refill;
import kz.cvety.otp.resilience.CircuitRetryAfter;
import kz.cvety.otp.resilience.RedisGuard;
import kz.cvety.otp.testing.RedisProcess;
import kz.cvety.otp.testing.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rate-limit buckets ({@link RedisCasProxyManager}) on a real Redis of the test's own, so its command statistics
 * count only the test's calls, shared by two gateway instances (a limiter and a connection each): what a send
 * costs in round trips, that no race admits more than the limit, that reads still ask Redis, and that buckets
 * written by bucket4j's own Lettuce proxy manager carry on.
 */
class RedisBucketsIT {

	static final Duration TIMEOUT = Duration.ofSeconds(5);

	static final NamedLimit TEN = new NamedLimit("send-per-phone", List.of(Limit.valueOf("10/1h")), Refill.INTERVAL);

	static RedisProcess redis;

	static RedisClient client;

	static StatefulRedisConnection<String, String> admin;

	static LettuceBuckets firstBuckets;

	static LettuceBuckets secondBuckets;

	static RedisGuard guard;

	BucketRateLimiter first;

	BucketRateLimiter second;

	String key;

	@BeforeAll
	static void start() {
		redis = RedisProcess.start();
		client = RedisClient.create(redis.url());
		admin = client.connect();
		guard = new RedisGuard(new CircuitRetryAfter(CircuitBreaker.ofDefaults("buckets-it"), Clock.systemUTC()),
				TIMEOUT);
		firstBuckets = new LettuceBuckets(client, TimeMeter.SYSTEM_MILLISECONDS, TIMEOUT);
		secondBuckets = new LettuceBuckets(client, TimeMeter.SYSTEM_MILLISECONDS, TIMEOUT);
		// Connect, load bucket4j and both scripts before the first test, so no test counts a cold start.
		String warm = TestRedis.uniquePrefix() + "{warm-up}:send";
		for (LettuceBuckets buckets : List.of(firstBuckets, secondBuckets)) {
			limiter(buckets).tryConsume(TEN, warm).block(Duration.ofSeconds(30));
		}
	}

	@AfterAll
	static void stop() {
		firstBuckets.close();
		secondBuckets.close();
		admin.close();
		client.shutdown();
		redis.close();
	}

	@BeforeEach
	void twoInstances() {
		this.first = limiter(firstBuckets);
		this.second = limiter(secondBuckets);
		this.key = TestRedis.uniquePrefix() + "{limiter}:send";
	}

	@Test
	void aSendToANewKeyIsOneScriptCallAndNoRead() {
		Map<String, Long> calls = counted(() -> assertAdmitted(this.first, 9));

		System.out.println("Redis commands for a send to a new key: " + calls);
		// SET NX inside the script; a GET would show here even from inside a script.
		assertThat(calls).isEqualTo(Map.of("evalsha", 1L, "set", 1L));
	}

	@Test
	void aSendToAKeyThisInstanceSwappedLastIsOneScriptCall() {
		assertAdmitted(this.first, 9);
		// A created state is not remembered: the second send finds the key as if another instance had made it.
		Map<String, Long> second = counted(() -> assertAdmitted(this.first, 8));

		Map<String, Long> third = counted(() -> assertAdmitted(this.first, 7));

		System.out.println("Redis commands for a send to a key this instance swapped last: " + third);
		assertThat(second).isEqualTo(Map.of("evalsha", 2L, "get", 2L, "set", 2L));
		// The replace script swaps from the state this instance wrote: its GET compares, its SET writes.
		assertThat(third).isEqualTo(Map.of("evalsha", 1L, "get", 1L, "set", 1L));
	}

	@Test
	void aSendToAKeyAnotherInstanceWroteIsTwoScriptCallsAndNoReadOfItsOwn() {
		assertAdmitted(this.first, 9);

		Map<String, Long> calls = counted(() -> assertAdmitted(this.second, 8));

		System.out.println("Redis commands for a send to a key another instance wrote: " + calls);
		// The create script fails (SET NX, then GET of what it holds) and the replace script swaps (GET, SET):
		// both GETs are the scripts' own, none is a round trip.
		assertThat(calls).isEqualTo(Map.of("evalsha", 2L, "get", 2L, "set", 2L));
	}

	@Test
	void aGuessAnotherInstanceOutdatedIsNotWrittenAndTheSendCountsFromWhatRedisHolds() {
		assertAdmitted(this.first, 9);
		assertAdmitted(this.first, 8);
		assertAdmitted(this.second, 7);

		Map<String, Long> calls = counted(() -> assertAdmitted(this.first, 6));

		// The swap from the state the first wrote fails and answers what the second wrote; the next swap lands.
		assertThat(calls).isEqualTo(Map.of("evalsha", 2L, "get", 2L, "set", 1L));
		assertAdmitted(this.second, 5);
		assertAdmitted(this.first, 4);
	}

	@Test
	void aGuessAtAKeyRedisNoLongerHoldsCreatesTheBucketAfresh() {
		assertAdmitted(this.first, 9);
		assertAdmitted(this.first, 8);
		admin.sync().del(this.key);

		Map<String, Long> calls = counted(() -> assertAdmitted(this.first, 9));

		// The swap finds no bucket; the create script makes a full one and takes its token.
		assertThat(calls).isEqualTo(Map.of("evalsha", 2L, "get", 1L, "set", 1L));
	}

	@Test
	void aClearedKeyIsCreatedAfreshWithNoGuess() {
		assertAdmitted(this.first, 9);
		assertAdmitted(this.first, 8);

		assertThat(this.first.clear(this.key).block(TIMEOUT)).isTrue();
		Map<String, Long> calls = counted(() -> assertAdmitted(this.first, 9));

		assertThat(calls).isEqualTo(Map.of("evalsha", 1L, "set", 1L));
	}

	@Test
	void aRefusalOnAGuessIsNoAnswerTheSendIsDecidedOnWhatRedisHolds() {
		for (int remaining = 9; remaining >= 0; remaining--) {
			assertAdmitted(this.first, remaining);
		}
		// Support clears the key through the other instance: the first still remembers an empty bucket.
		assertThat(this.second.clear(this.key).block(TIMEOUT)).isTrue();

		Map<String, Long> calls = counted(() -> assertAdmitted(this.first, 9));

		// The empty bucket guessed refuses without writing, so Redis is read (GET) and the create script makes a
		// full bucket and takes its token.
		assertThat(calls).isEqualTo(Map.of("evalsha", 1L, "get", 1L, "set", 1L));
	}

	@RepeatedTest(5)
	void twoInstancesRacingForANewKeyAdmitExactlyTheLimit() {
		Mono<Long> fromFirst = admitted(this.first, 50).subscribeOn(Schedulers.parallel());
		Mono<Long> fromSecond = admitted(this.second, 50).subscribeOn(Schedulers.parallel());

		long admitted = Mono.zip(fromFirst, fromSecond, Long::sum).block(Duration.ofSeconds(30));

		assertThat(admitted).isEqualTo(10);
		assertThat(this.first.peek(TEN, this.key).block(TIMEOUT).remaining()).isZero();
	}

	@Test
	void aPeekReadsWhatAnotherInstanceWrote() {
		for (int remaining = 9; remaining >= 7; remaining--) {
			assertAdmitted(this.first, remaining);
		}

		AsyncProxyManager<String> manager = secondBuckets.manager().block(TIMEOUT);
		assertThat(manager.getProxyConfiguration(this.key).join()).isPresent();
		RateLimitDecision peeked = this.second.peek(TEN, this.key).block(TIMEOUT);
		assertThat(peeked.remaining()).isEqualTo(7);
		assertThat(peeked.allowed()).isTrue();
	}

	@Test
	void aPeekAtAMissingKeyAnswersAbsentAndCreatesNothing() {
		AsyncProxyManager<String> manager = secondBuckets.manager().block(TIMEOUT);

		assertThat(manager.getProxyConfiguration(this.key).join()).isEmpty();
		assertThat(this.second.peek(TEN, this.key).block(TIMEOUT).remaining()).isEqualTo(10);
		assertThat(admin.sync().exists(this.key)).isZero();
	}

	@Test
	void aBucketOfBucket4jsOwnLettuceManagerIsCarriedOnAndReadBackByIt() {
		BucketConfiguration configuration = TEN.bucketConfiguration();
		try (StatefulRedisConnection<String, byte[]> connection = client
			.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE))) {
			AsyncProxyManager<String> stock = Bucket4jLettuce.casBasedBuilder(connection)
				.expirationAfterWrite(
						ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
				.build()
				.asAsync();
			AsyncBucketProxy old = stock.builder()
				.build(this.key, () -> CompletableFuture.completedFuture(configuration));
			assertThat(old.tryConsume(3).join()).isTrue();

			assertAdmitted(this.first, 6);
			assertAdmitted(this.second, 5);

			assertThat(old.getAvailableTokens().join()).as("read back by the stock manager").isEqualTo(5);
			assertThat(old.tryConsume(1).join()).isTrue();
			assertAdmitted(this.first, 3);
		}
	}

	@Test
	void aScriptCacheFlushBetweenSendsLoadsTheScriptsAgain() {
		assertAdmitted(this.first, 9);
		admin.sync().scriptFlush();

		assertAdmitted(this.first, 8);
		admin.sync().scriptFlush();
		String other = TestRedis.uniquePrefix() + "{limiter}:send";
		RateLimitDecision created = this.second.tryConsume(TEN, other).block(TIMEOUT);

		assertThat(created.allowed()).isTrue();
		assertThat(created.remaining()).isEqualTo(9);
	}

	void assertAdmitted(BucketRateLimiter limiter, long remaining) {
		RateLimitDecision decision = limiter.tryConsume(TEN, this.key).block(TIMEOUT);
		assertThat(decision.allowed()).isTrue();
		assertThat(decision.remaining()).isEqualTo(remaining);
	}

	Mono<Long> admitted(BucketRateLimiter limiter, int requests) {
		return Flux.range(0, requests)
			.flatMap(i -> limiter.tryConsume(TEN, this.key), requests)
			.filter(RateLimitDecision::allowed)
			.count();
	}

	/** Redis's calls per command while {@code action} runs, script-internal ones included, the test's own not. */
	static Map<String, Long> counted(Runnable action) {
		RedisCommands<String, String> commands = admin.sync();
		// Whatever flushed the script cache before, the count is of calls by SHA.
		commands.scriptLoad(script(RedisCasProxyManager.CREATE_SCRIPT));
		commands.scriptLoad(script(RedisCasProxyManager.REPLACE_SCRIPT));
		commands.configResetstat();
		action.run();
		Map<String, Long> calls = new TreeMap<>();
		for (String line : commands.info("commandstats").split("\r?\n")) {
			if (line.startsWith("cmdstat_") && !line.startsWith("cmdstat_config") && !line.startsWith("cmdstat_info")) {
				String name = line.substring("cmdstat_".length(), line.indexOf(':'));
				String value = line.substring(line.indexOf("calls=") + "calls=".length());
				calls.put(name, Long.parseLong(value.substring(0, value.indexOf(','))));
			}
		}
		return calls;
	}

	static String script(String resource) {
		try (InputStream in = RedisBucketsIT.class.getClassLoader().getResourceAsStream(resource)) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	static BucketRateLimiter limiter(LettuceBuckets buckets) {
		return new BucketRateLimiter(buckets, new BlockedKeys(1000, Ticker.systemTicker()), guard);
	}

}
