package kz.cvety.otp.phone;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PhoneMaskerTest {

	@Test
	void keepsCountryPrefixAndLastFourDigits() {
		assertThat(PhoneMasker.mask("+77771234567")).isEqualTo("+7777***4567");
	}

	@Test
	void hidesMiddleDigitsOfLongerNumbers() {
		assertThat(PhoneMasker.mask("+491701234567890")).isEqualTo("+4917***7890").doesNotContain("1234567");
	}

	@Test
	void hidesShortOrMissingValuesEntirely() {
		assertThat(PhoneMasker.mask("+7123456")).isEqualTo("***");
		assertThat(PhoneMasker.mask("")).isEqualTo("***");
		assertThat(PhoneMasker.mask(null)).isEqualTo("***");
	}

}
