package kz.cvety.otp.store;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

import kz.cvety.otp.testing.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The OTP store's Lua scripts, loaded from their resources and run against the real test Redis through Spring
 * Data Redis (Lettuce), as the gateway runs them; each test works on a fresh key.
 */
class OtpStoreScriptsIT {

	static final String PHONE = "+77011234567";

	static final String CODE = "482915";

	static final OtpHasher hasher = new OtpHasher("scripts-it-hash-secret-0123456789abcdefghij");

	static LettuceConnectionFactory connections;

	static ReactiveStringRedisTemplate redis;

	static final RedisScript<List<Long>> issue = OtpStore.Scripts.script(OtpStore.ISSUE_SCRIPT);

	static final RedisScript<List<Long>> attempt = OtpStore.Scripts.script(OtpStore.ATTEMPT_SCRIPT);

	static final RedisScript<List<Long>> verify = OtpStore.Scripts.script(OtpStore.VERIFY_SCRIPT);

	static final RedisScript<List<Long>> discard = OtpStore.Scripts.script(OtpStore.DISCARD_SCRIPT);

	String key;

	@BeforeAll
	static void connect() {
		connections = TestRedis.connectionFactory();
		redis = new ReactiveStringRedisTemplate(connections);
	}

	@AfterAll
	static void disconnect() {
		connections.destroy();
	}

	@BeforeEach
	void freshKey() {
		this.key = new OtpKeys(TestRedis.uniquePrefix(), hasher).code(PHONE);
	}

	@Test
	void issueStoresOnlyTheHashGenerationAndZeroAttemptsWithTheTtl() {
		String hash = hasher.codeHash(PHONE, CODE);

		assertThat(run(issue, hash, "7", "300000")).containsExactly(1L);

		Map<String, String> stored = hgetall();
		assertThat(stored).containsOnly(Map.entry("h", hash), Map.entry("g", "7"), Map.entry("n", "0"));
		assertThat(stored.values()).noneMatch(value -> value.contains(CODE));
		assertThat(this.key).doesNotContain("7011234567");
		assertThat(pttl()).isBetween(290_000L, 300_000L);
	}

	@Test
	void issueReplacesTheEarlierCodeAndResetsItsAttempts() {
		run(issue, hasher.codeHash(PHONE, "111111"), "1", "300000");
		run(attempt, "3");
		run(attempt, "3");

		run(issue, hasher.codeHash(PHONE, CODE), "2", "60000");

		assertThat(hgetall()).containsEntry("g", "2").containsEntry("n", "0");
		assertThat(pttl()).isBetween(50_000L, 60_000L);
		assertThat(run(verify, hasher.codeHash(PHONE, "111111"), "2")).containsExactly(2L);
		assertThat(run(attempt, "3")).startsWith(1L, 1L);
	}

	@Test
	void attemptOnMissingCodeFindsNoCodeAndCreatesNoKey() {
		assertThat(run(attempt, "3")).containsExactly(0L, 0L, 0L, 0L);

		assertThat(exists()).isFalse();
	}

	@Test
	void attemptReportsAttemptsUsedTtlAndGeneration() {
		run(issue, hasher.codeHash(PHONE, CODE), "9007199254740991", "300000");

		List<Long> first = run(attempt, "3");

		assertThat(first.get(0)).isEqualTo(1L);
		assertThat(first.get(1)).isEqualTo(1L);
		assertThat(first.get(2)).isBetween(290_000L, 300_000L);
		assertThat(first.get(3)).isEqualTo(9007199254740991L);
	}

	@Test
	void fortyConcurrentAttemptsAdmitExactlyMaxAttempts() {
		run(issue, hasher.codeHash(PHONE, CODE), "5", "300000");

		List<List<Long>> results = Flux.range(0, 40)
			.flatMap(i -> redis.execute(attempt, List.of(this.key), List.of("3")).next(), 40)
			.collectList()
			.block(Duration.ofSeconds(10));

		assertThat(results).hasSize(40);
		assertThat(results).filteredOn(result -> result.get(0) == 1L)
			.extracting(result -> result.get(1))
			.containsExactlyInAnyOrder(1L, 2L, 3L);
		assertThat(results).filteredOn(result -> result.get(0) == 2L).hasSize(37);
		// The counter stays bounded and the dead code keeps its TTL, so it still expires.
		assertThat(hgetall()).containsEntry("n", "4");
		assertThat(pttl()).isPositive();
	}

	@Test
	void exhaustedCodeStaysDeadForTheCorrectCode() {
		run(issue, hasher.codeHash(PHONE, CODE), "5", "300000");
		for (int i = 0; i < 3; i++) {
			run(attempt, "3");
		}

		assertThat(run(attempt, "3").get(0)).isEqualTo(2L);
		assertThat(run(attempt, "3").get(0)).isEqualTo(2L);
	}

	@Test
	void verifyDeletesTheCodeOnSuccessSoASecondVerifyFindsNoCode() {
		String hash = hasher.codeHash(PHONE, CODE);
		run(issue, hash, "5", "300000");

		assertThat(run(verify, hash, "5")).containsExactly(1L);
		assertThat(exists()).isFalse();
		assertThat(run(verify, hash, "5")).containsExactly(0L);
		assertThat(run(attempt, "3")).containsExactly(0L, 0L, 0L, 0L);
	}

	@Test
	void wrongCandidateIsRefusedAndLeavesTheCode() {
		run(issue, hasher.codeHash(PHONE, CODE), "5", "300000");

		assertThat(run(verify, hasher.codeHash(PHONE, "482916"), "5")).containsExactly(2L);
		assertThat(run(verify, "short", "5")).containsExactly(2L);
		assertThat(run(verify, hasher.codeHash("+77011234568", CODE), "5")).containsExactly(2L);
		assertThat(hgetall()).containsEntry("h", hasher.codeHash(PHONE, CODE));
	}

	@Test
	void verifyForAnotherGenerationFindsNoCodeAndLeavesTheNewerCode() {
		String hash = hasher.codeHash(PHONE, CODE);
		run(issue, hash, "6", "300000");

		assertThat(run(verify, hash, "5")).containsExactly(0L);
		assertThat(hgetall()).containsEntry("g", "6");
		assertThat(run(verify, hash, "6")).containsExactly(1L);
	}

	@Test
	void discardRemovesOnlyTheMatchingGeneration() {
		run(issue, hasher.codeHash(PHONE, CODE), "6", "300000");

		assertThat(run(discard, "5")).containsExactly(0L);
		assertThat(exists()).isTrue();
		assertThat(run(discard, "6")).containsExactly(1L);
		assertThat(exists()).isFalse();
		assertThat(run(discard, "6")).containsExactly(0L);
	}

	@Test
	void redisExpiresTheCodeAfterItsTtl() {
		String hash = hasher.codeHash(PHONE, CODE);
		run(issue, hash, "5", "300");

		await().atMost(Duration.ofSeconds(5)).until(() -> !exists());

		assertThat(run(attempt, "3")).containsExactly(0L, 0L, 0L, 0L);
		assertThat(run(verify, hash, "5")).containsExactly(0L);
	}

	@Test
	void scriptsStillRunAfterScriptFlush() {
		String hash = hasher.codeHash(PHONE, CODE);
		run(issue, hash, "5", "300000");
		run(attempt, "3");

		redis.execute(connection -> connection.scriptingCommands().scriptFlush()).blockLast(Duration.ofSeconds(5));

		assertThat(run(attempt, "3")).startsWith(1L, 2L);
		assertThat(run(verify, hash, "5")).containsExactly(1L);
		redis.execute(connection -> connection.scriptingCommands().scriptFlush()).blockLast(Duration.ofSeconds(5));
		assertThat(run(issue, hash, "8", "300000")).containsExactly(1L);
		assertThat(run(discard, "8")).containsExactly(1L);
	}

	private List<Long> run(RedisScript<List<Long>> script, String... args) {
		return redis.execute(script, List.of(this.key), List.of(args)).next().block(Duration.ofSeconds(5));
	}

	private Map<String, String> hgetall() {
		return redis.<String, String>opsForHash()
			.entries(this.key)
			.collectMap(Map.Entry::getKey, Map.Entry::getValue)
			.block(Duration.ofSeconds(5));
	}

	private long pttl() {
		return redis.getExpire(this.key).map(Duration::toMillis).block(Duration.ofSeconds(5));
	}

	private boolean exists() {
		return Boolean.TRUE.equals(redis.hasKey(this.key).block(Duration.ofSeconds(5)));
	}

}
