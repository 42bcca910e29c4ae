package kz.cvety.otp.ratelimit;

import java.time.Duration;
import java.util.Arrays;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.BucketState;
import io.github.bucket4j.MathType;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a bucket holds after its limits change: each window's new count less what the key used in it.
 */
class UsedTokensInheritanceTest {

	static final long START = Duration.ofHours(1).toNanos();

	@Test
	void loweringAWindowBelowWhatWasUsedLeavesADebt() {
		BucketState state = used(3, "10/1m", Refill.GREEDY);

		BucketState lowered = UsedTokensInheritance.inherit(state, configuration(Refill.GREEDY, "2/1m"), START);

		assertThat(sizes(lowered)).containsExactly(-1);
	}

	@Test
	void raisingAWindowAdmitsTheDifference() {
		BucketState state = used(3, "10/1m", Refill.GREEDY);

		BucketState raised = UsedTokensInheritance.inherit(state, configuration(Refill.GREEDY, "20/1m"), START);

		assertThat(sizes(raised)).containsExactly(17);
	}

	@Test
	void loweringAboveWhatWasUsedLeavesTheRest() {
		BucketState state = used(3, "10/1m", Refill.INTERVAL);

		BucketState lowered = UsedTokensInheritance.inherit(state, configuration(Refill.INTERVAL, "5/1m"), START);

		assertThat(sizes(lowered)).containsExactly(2);
	}

	@Test
	void eachWindowIsChargedWhatWasUsedInIt() {
		BucketState state = used(3, "3/1m,10/1h", Refill.GREEDY);

		BucketState changed = UsedTokensInheritance.inherit(state, configuration(Refill.GREEDY, "2/1m", "5/1h"), START);

		assertThat(sizes(changed)).containsExactly(-1, 2);
	}

	@Test
	void loweringOneWindowLeavesTheOtherAsItWas() {
		BucketState state = used(3, "3/1m,10/1h", Refill.INTERVAL);

		BucketState changed = UsedTokensInheritance.inherit(state, configuration(Refill.INTERVAL, "3/1m", "4/1h"),
				START);

		assertThat(sizes(changed)).containsExactly(0, 1);
	}

	@Test
	void aNewWindowCountsWhatShorterWindowsSawUsed() {
		BucketState state = used(5, "10/1m", Refill.GREEDY);

		BucketState changed = UsedTokensInheritance.inherit(state, configuration(Refill.GREEDY, "10/1m", "3/1h"),
				START);

		assertThat(sizes(changed)).containsExactly(5, -2);
	}

	@Test
	void aNewWindowShorterThanAnyStoredOneStartsFull() {
		BucketState state = used(5, "10/1h", Refill.GREEDY);

		BucketState changed = UsedTokensInheritance.inherit(state, configuration(Refill.GREEDY, "2/1m", "10/1h"),
				START);

		assertThat(sizes(changed)).containsExactly(2, 5);
	}

	@Test
	void greedyRefillPaysTheDebtATokenAtATime() {
		BucketState state = used(3, "10/1m", Refill.GREEDY);
		BucketState lowered = UsedTokensInheritance.inherit(state, configuration(Refill.GREEDY, "2/1m"), START);

		lowered.refillAllBandwidth(START + Duration.ofSeconds(29).toNanos());
		assertThat(lowered.getAvailableTokens()).isEqualTo(-1);
		lowered.refillAllBandwidth(START + Duration.ofSeconds(30).toNanos());
		assertThat(lowered.getAvailableTokens()).isZero();
		lowered.refillAllBandwidth(START + Duration.ofSeconds(60).toNanos());
		assertThat(lowered.getAvailableTokens()).isEqualTo(1);
	}

	@Test
	void intervalRefillKeepsTheWindowTheTokensWereUsedIn() {
		BucketState state = used(3, "10/1m", Refill.INTERVAL);
		long refresh = START + Duration.ofSeconds(20).toNanos();
		BucketState lowered = UsedTokensInheritance.inherit(state, configuration(Refill.INTERVAL, "2/1m"), refresh);

		lowered.refillAllBandwidth(START + Duration.ofSeconds(59).toNanos());
		assertThat(lowered.getAvailableTokens()).isEqualTo(-1);
		lowered.refillAllBandwidth(START + Duration.ofSeconds(60).toNanos());
		assertThat(lowered.getAvailableTokens()).isEqualTo(1);
	}

	@Test
	void theSameLimitsChangeNothing() {
		BucketState state = used(2, "3/1m,10/1h", Refill.GREEDY);
		state.refillAllBandwidth(START + Duration.ofSeconds(10).toNanos());

		BucketState same = UsedTokensInheritance.inherit(state, configuration(Refill.GREEDY, "3/1m", "10/1h"),
				START + Duration.ofSeconds(10).toNanos());

		assertThat(sizes(same)).containsExactly(sizes(state));
		same.refillAllBandwidth(START + Duration.ofSeconds(20).toNanos());
		state.refillAllBandwidth(START + Duration.ofSeconds(20).toNanos());
		assertThat(sizes(same)).containsExactly(sizes(state));
	}

	static BucketState used(long tokens, String limits, Refill refill) {
		BucketState state = BucketState.createInitialState(configuration(refill, limits.split(",")),
				MathType.INTEGER_64_BITS, START);
		state.consume(tokens);
		return state;
	}

	static BucketConfiguration configuration(Refill refill, String... limits) {
		return new NamedLimit("test", Arrays.stream(limits).map(Limit::valueOf).toList(), refill).bucketConfiguration();
	}

	static long[] sizes(BucketState state) {
		int count = state.getConfiguration().getBandwidths().length;
		long[] sizes = new long[count];
		for (int i = 0; i < count; i++) {
			sizes[i] = state.getCurrentSize(i);
		}
		return sizes;
	}

}
