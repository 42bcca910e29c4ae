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
	 * Pearson's chi-square over 1,000 equal bins of the 10^6 six-digit codes, from 500,000 draws. With 999
	 * degrees of freedom the statistic has mean 999 and standard deviation about 44.7; 1,230 is about five
	 * standard deviations out, a false alarm less than once in a million runs, while a generator off by a
	 * few percent in any bin range lands far above it.
	 */
	@Test
	void codesAreUniformOverTheCodeSpace() {
		int bins = 1000;
		int draws = 500_000;
		long[] counts = new long[bins];
		for (int i = 0; i < draws; i++) {
			counts[Integer.parseInt(this.generator.next(6)) / 1000]++;
		}
		double expected = (double) draws / bins;
		double chiSquare = 0;
		for (long count : counts) {
			chiSquare += (count - expected) * (count - expected) / expected;
		}
		assertThat(chiSquare).isLessThan(1230);
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
			// 9 degrees of freedom: 37.9 is the one-in-100,000 critical value.
			assertThat(chiSquare).as("digit position %d", position).isLessThan(37.9);
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
