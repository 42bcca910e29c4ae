package kz.cvety.otp.pumping;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

import kz.cvety.otp.testing.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pumping guard's rule as Redis runs it: {@code pumping_count.lua} and {@code pumping_uncount.lua} from their
 * resources against the real test Redis, with the arguments {@link PumpingGuard} passes, at the boundaries of
 * {@code min-sends} and {@code min-conversion}. Each test works on a fresh key and passes the time itself, so a
 * window's steps are exact.
 */
class PumpingScriptsIT {

	static final PumpingGuard.Scripts scripts = PumpingGuard.Scripts.fromResources();

	/** A window of an hour in 60 steps of a minute, as the defaults count it. */
	static final long STEP_MS = 60_000;

	static final int STEPS = 60;

	/** The start of a step, and a second into it. */
	static final long T0 = 29_000_000L * STEP_MS + 1_000;

	static LettuceConnectionFactory connections;

	static ReactiveStringRedisTemplate redis;

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
		this.key = TestRedis.uniquePrefix() + "pump:range:{+7701555}";
	}

	@Test
	void aScopeIsJudgedOnlyOnceItWasSentMinSendsCodesAndTheCodeThatMakesItSuspectedBlocksIt() {
		for (int sent = 1; sent <= 19; sent++) {
			assertThat(sent(T0, 20, 0.2, 3_600_000)).as("code %d", sent)
				.containsExactly(0L, T0 / STEP_MS, 0L, (long) sent, 0L, T0);
		}

		assertThat(sent(T0 + 5, 20, 0.2, 3_600_000)).as("the 20th code, none verified")
			.containsExactly(0L, T0 / STEP_MS, 1L, 20L, 0L, T0);
		assertThat(hash()).as("blocked, the counts started afresh")
			.containsOnly(Map.entry("b", Long.toString(T0 + 5 + 3_600_000)));

		assertThat(sent(T0 + 1_000, 20, 0.2, 3_600_000)).as("a code while blocked: refused, counted nowhere")
			.containsExactly(3_600_000L - 995, 0L, 0L, 0L, 0L, 0L);
		assertThat(hash()).containsOnly(Map.entry("b", Long.toString(T0 + 5 + 3_600_000)));
		assertThat(pttl()).as("the key lives as long as the block").isBetween(3_590_000L, 3_600_000L);
	}

	@Test
	void exactlyMinConversionIsNotSuspectedAndAnyLessIs() {
		for (int i = 0; i < 4; i++) {
			verified(T0);
		}
		for (int i = 0; i < 19; i++) {
			sent(T0, 20, 0.2, 3_600_000);
		}

		assertThat(sent(T0, 20, 0.2, 3_600_000)).as("20 sent, 4 verified: exactly 20 %")
			.containsExactly(0L, T0 / STEP_MS, 0L, 20L, 4L, T0);
		assertThat(sent(T0, 20, 0.2, 3_600_000)).as("21 sent, 4 verified: 19 %")
			.containsExactly(0L, T0 / STEP_MS, 1L, 21L, 4L, T0);
	}

	@Test
	void aScopeWithThreeVerifiedOfTwentyIsSuspectedAtItsTwentiethCode() {
		for (int i = 0; i < 3; i++) {
			verified(T0);
		}
		for (int i = 0; i < 19; i++) {
			assertThat(sent(T0, 20, 0.2, 3_600_000).get(2)).isZero();
		}

		assertThat(sent(T0, 20, 0.2, 3_600_000)).as("15 %").containsExactly(0L, T0 / STEP_MS, 1L, 20L, 3L, T0);
	}

	@Test
	void verificationsOfCodesSentBeforeTheWindowKeepAScopeClear() {
		for (int i = 0; i < 25; i++) {
			verified(T0);
		}
		for (int i = 0; i < 30; i++) {
			assertThat(sent(T0, 20, 0.2, 3_600_000).get(2)).as("code %d", i + 1).isZero();
		}
	}

	@Test
	void minConversionZeroNeverSuspects() {
		for (int i = 1; i <= 200; i++) {
			assertThat(sent(T0, 1, 0.0, 3_600_000)).as("code %d", i).containsExactly(0L, T0 / STEP_MS, 0L, (long) i, 0L, T0);
		}
	}

	@Test
	void codesOlderThanTheWindowAreDroppedAndNoLongerCount() {
		for (int i = 0; i < 19; i++) {
			sent(T0, 20, 0.2, 3_600_000);
		}
		long lastStepOfTheWindow = T0 + (STEPS - 1) * STEP_MS;
		assertThat(sent(lastStepOfTheWindow, 20, 0.2, 3_600_000)).as("the window's last step still holds the first")
			.containsExactly(0L, lastStepOfTheWindow / STEP_MS, 1L, 20L, 0L, T0);

		this.key = this.key + "-later";
		for (int i = 0; i < 19; i++) {
			sent(T0, 20, 0.2, 3_600_000);
		}
		long pastTheWindow = T0 + STEPS * STEP_MS;
		assertThat(sent(pastTheWindow, 20, 0.2, 3_600_000)).as("a step past the window")
			.containsExactly(0L, pastTheWindow / STEP_MS, 0L, 1L, 0L, T0);
		assertThat(hash()).containsOnly(Map.entry("g", Long.toString(T0)), Map.entry("s" + pastTheWindow / STEP_MS, "1"));
		assertThat(pttl()).as("a step past the window").isBetween((STEPS + 1) * STEP_MS - 10_000, (STEPS + 1) * STEP_MS);
	}

	@Test
	void aTakeBackTakesOneCodeOfItsOwnCountsAndNeverGoesBelowNone() {
		List<Long> first = sent(T0, 20, 0.2, 3_600_000);
		sent(T0, 20, 0.2, 3_600_000);

		assertThat(uncount(first.get(1), first.get(5) + 1)).as("another generation's").containsExactly(0L);
		assertThat(uncount(first.get(1) - 1, first.get(5))).as("another step's").containsExactly(0L);
		assertThat(hash()).containsEntry("s" + T0 / STEP_MS, "2");

		assertThat(uncount(first.get(1), first.get(5))).containsExactly(1L);
		assertThat(uncount(first.get(1), first.get(5))).containsExactly(1L);
		assertThat(uncount(first.get(1), first.get(5))).as("none left").containsExactly(0L);
		assertThat(hash()).containsEntry("s" + T0 / STEP_MS, "0");
	}

	@Test
	void aCodeCountedBeforeABlockIsNotTakenBackFromTheCodesCountedAfterItInTheSameStep() {
		// A block of a second, shorter than the take-back of a code refused after its admission may take.
		List<Long> refusedLater = sent(T0, 2, 1.0, 1_000);
		assertThat(sent(T0 + 1, 2, 1.0, 1_000).get(2)).as("the second code trips the scope").isEqualTo(1L);
		long afterTheBlock = T0 + 1_500;
		List<Long> sentAfter = sent(afterTheBlock, 2, 1.0, 1_000);
		assertThat(sentAfter).as("counted afresh, in the step of the code before the block")
			.containsExactly(0L, T0 / STEP_MS, 0L, 1L, 0L, afterTheBlock);

		assertThat(uncount(refusedLater.get(1), refusedLater.get(5))).containsExactly(0L);

		assertThat(hash()).containsEntry("s" + T0 / STEP_MS, "1");
	}

	private List<Long> sent(long nowMs, int minSends, double minConversion, long blockMs) {
		return run(scripts.count(), "s", Long.toString(STEP_MS), Integer.toString(STEPS), Long.toString(nowMs),
				Integer.toString(minSends), Double.toString(minConversion), Long.toString(blockMs));
	}

	private void verified(long nowMs) {
		run(scripts.count(), "v", Long.toString(STEP_MS), Integer.toString(STEPS), Long.toString(nowMs));
	}

	private List<Long> uncount(long step, long generation) {
		return run(scripts.uncount(), Long.toString(step), Long.toString(generation));
	}

	private List<Long> run(RedisScript<List<Long>> script, String... args) {
		return redis.execute(script, List.of(this.key), List.of(args)).next().block(Duration.ofSeconds(10));
	}

	private Map<String, String> hash() {
		return redis.<String, String>opsForHash().entries(this.key)
			.collectMap(Map.Entry::getKey, Map.Entry::getValue)
			.block(Duration.ofSeconds(10));
	}

	private long pttl() {
		return redis.getExpire(this.key).block(Duration.ofSeconds(10)).toMillis();
	}

}
