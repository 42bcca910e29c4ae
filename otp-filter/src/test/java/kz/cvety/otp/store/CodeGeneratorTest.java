package kz.cvety.otp.store;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CodeGeneratorTest {

	private final CodeGenerator generator = new CodeGenerator();

	@Test
	void codesHaveExactlyTheRequestedDigitsIncludingLeadingZeros() {
		boolean sawLeadingZero = false;
		for (int i = 0; i < 20_000; i++) {
			String code = this.generator.next(6);
			assertThat(code).hasSize(6).matches("[0-9]{6}");
			sawLeadingZero |= code.charAt(0) == '0';
		}
		assertThat(sawLeadingZero).as("leading zeros are kept, not dropped").isTrue();
		assertThat(this.generator.next(4)).hasSize(4);
		assertThat(this.generator.next(10)).hasSize(10);
	}

	/**
	 * Pearson's chi-square over 1,000 equal bins of the 10^6 six-digit codes, from 500,000 draws, binned twice:
	 * by the high three digits (ranges of codes) and by the low three (a bias a modulo or a truncated source
	 * would leave). With 999 degrees of freedom the statistic has mean 999 and standard deviation about 44.7;
	 * 1,230 is exceeded by chance with probability 6.8e-7 (about 1.4e-6 for the two), while a generator off
	 * by a few percent in any bin range lands far above it.
	 */
	@Test
	void codesAreUniformOverTheCodeSpace() {
		int bins = 1000;
		int draws = 500_000;
		long[] high = new long[bins];
		long[] low = new long[bins];
		for (int i = 0; i < draws; i++) {
			int code = Integer.parseInt(this.generator.next(6));
			high[code / 1000]++;
			low[code % 1000]++;
		}
		assertThat(chiSquare(high, draws)).as("by the high three digits").isLessThan(1230);
		assertThat(chiSquare(low, draws)).as("by the low three digits").isLessThan(1230);
	}

	private static double chiSquare(long[] counts, int draws) {
		double expected = (double) draws / counts.length;
		double chiSquare = 0;
		for (long count : counts) {
			chiSquare += (count - expected) * (count - expected) / expected;
		}
		return chiSquare;
	}

	@Test
	void everyDigitPositionIsUniform() {
		int draws = 200_000;
		long[][] counts = new long[6][10];
		for (int i = 0; i < draws; i++) {
			String code = this.generator.next(6);
			for (int position = 0; position < 6; position++) {
				counts[position][code.charAt(position) - '0']++;
			}
		}
		double expected = draws / 10.0;
		for (int position = 0; position < 6; position++) {
			double chiSquare = 0;
			for (long count : counts[position]) {
				chiSquare += (count - expected) * (count - expected) / expected;
			}
			// 9 degrees of freedom: 44.8 is exceeded by chance with probability 1.0e-6 (6e-6 for the six positions).
			assertThat(chiSquare).as("digit position %d", position).isLessThan(44.8);
		}
	}

	@Test
	void generationsFitInLuaNumbersAndDoNotRepeat() {
		Set<Long> seen = new HashSet<>();
		for (int i = 0; i < 10_000; i++) {
			long generation = this.generator.nextGeneration();
			assertThat(generation).isBetween(0L, (1L << 53) - 1);
			assertThat(seen.add(generation)).isTrue();
		}
	}

}
