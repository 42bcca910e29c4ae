package kz.cvety.otp.phone;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NumberRangeTest {

	@ParameterizedTest
	@CsvSource({ "+77015550123, 4, +7701555", "+77015550123, 1, +7701555012", "+77015550123, 8, +770",
			"+77015559999, 4, +7701555", "+77015560000, 4, +7701556", "+4915112345678, 4, +491511234",
			"+12345, 8, +1" })
	void aRangeIsTheNumberWithoutItsLastDigitsKeepingAtLeastOneDigit(String phone, int suffixDigits, String range) {
		assertThat(NumberRange.of(phone, suffixDigits)).isEqualTo(range);
	}

	@ParameterizedTest
	@ValueSource(ints = { -1, 0, 9, 15 })
	void suffixLengthsOutsideOneToEightAreRefused(int suffixDigits) {
		assertThatThrownBy(() -> NumberRange.of("+77015550123", suffixDigits))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("1 to 8");
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "+", "77015550123" })
	void onlyE164NumbersHaveARange(String phone) {
		assertThatThrownBy(() -> NumberRange.of(phone, 4)).isInstanceOf(IllegalArgumentException.class);
	}

}
