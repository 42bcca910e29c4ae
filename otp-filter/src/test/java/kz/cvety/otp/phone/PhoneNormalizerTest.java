package kz.cvety.otp.phone;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class PhoneNormalizerTest {

	private static final Examples EXAMPLES = new Examples();

	private final PhoneNormalizer kazakhstan = new PhoneNormalizer("KZ", List.of("KZ"),
			PhoneNormalizer.DEFAULT_ALLOWED_TYPES);

	@ParameterizedTest
	@ValueSource(strings = { "87771234567", "+7 777 123-45-67", "+7 (777) 123-45-67", "77771234567", "8 777 123 45 67",
			"+77771234567", "8 (777) 123-45-67", "+7.777.123.45.67", "  +7 777 1234567  ", "8(777)1234567",
			"+7-777-123-45-67" })
	void acceptsCommonKazakhWritingsOfOneMobileNumber(String raw) {
		assertThat(this.kazakhstan.toE164(raw)).isEqualTo("+77771234567");
	}

	@Test
	void acceptsNumbersFromEveryAllowedRegion() {
		PhoneNormalizer normalizer = new PhoneNormalizer("KZ", List.of("KZ", "RU"),
				PhoneNormalizer.DEFAULT_ALLOWED_TYPES);

		assertThat(normalizer.toE164("+7 916 123-45-67")).isEqualTo("+79161234567");
		assertThat(normalizer.toE164("8 916 123 45 67")).isEqualTo("+79161234567");
		assertThat(normalizer.toE164("+7 777 123 45 67")).isEqualTo("+77771234567");
	}

	@Test
	void outputIsAFixedPointOfNormalization() {
		String e164 = this.kazakhstan.toE164("8 (777) 123-45-67");

		assertThat(this.kazakhstan.toE164(e164)).isEqualTo(e164);
	}

	@Test
	void refusesMobileNumberOfARegionNotAllowed() {
		ProblemException problem = refusal(this.kazakhstan, "+79161234567");

		assertThat(problem.code()).isEqualTo(ProblemCode.REGION_NOT_ALLOWED);
		assertThat(problem.detail()).isEqualTo("Only phone numbers from KZ are accepted.");
	}

	@Test
	void refusesForeignNumberWrittenInNationalFormat() {
		assertThat(refusal(this.kazakhstan, "8 916 123 45 67").code()).isEqualTo(ProblemCode.REGION_NOT_ALLOWED);
	}

	@Test
	void refusesForeignNumberOfAnotherCountryCode() {
		assertThat(refusal(this.kazakhstan, "+49 170 1234567").code()).isEqualTo(ProblemCode.REGION_NOT_ALLOWED);
	}

	@Test
	void regionIsCheckedBeforeNumberType() {
		assertThat(refusal(this.kazakhstan, "+78091234567").code()).isEqualTo(ProblemCode.REGION_NOT_ALLOWED);
	}

	@Test
	void refusesRussianPremiumRateNumberEvenWhenRussiaIsAllowed() {
		PhoneNormalizer normalizer = new PhoneNormalizer("KZ", List.of("KZ", "RU"),
				PhoneNormalizer.DEFAULT_ALLOWED_TYPES);

		ProblemException problem = refusal(normalizer, "+78091234567");

		assertThat(problem.code()).isEqualTo(ProblemCode.INVALID_PHONE);
		assertThat(problem.detail()).contains("cannot receive SMS codes");
	}

	@Test
	void refusesKazakhVoipNumber() {
		ProblemException problem = refusal(this.kazakhstan, "+77511234567");

		assertThat(problem.code()).isEqualTo(ProblemCode.INVALID_PHONE);
		assertThat(problem.detail()).contains("cannot receive SMS codes");
	}

	@ParameterizedTest
	@EnumSource(value = PhoneNumberType.class, mode = EnumSource.Mode.EXCLUDE,
			names = { "MOBILE", "FIXED_LINE_OR_MOBILE", "UNKNOWN" })
	void refusesEveryNumberTypeThatIsNotAllowed(PhoneNumberType type) {
		PhoneNumber example = EXAMPLES.exampleOf(type);
		String region = EXAMPLES.util.getRegionCodeForNumber(example);
		PhoneNormalizer normalizer = new PhoneNormalizer("KZ", List.of(region), PhoneNormalizer.DEFAULT_ALLOWED_TYPES);

		ProblemException problem = refusal(normalizer, EXAMPLES.util.format(example, PhoneNumberFormat.E164));

		assertThat(problem.code()).isEqualTo(ProblemCode.INVALID_PHONE);
		assertThat(problem.detail()).contains("cannot receive SMS codes");
	}

	@Test
	void acceptsATypeOutsideTheDefaultsWhenConfigured() {
		PhoneNumber landline = EXAMPLES.exampleOf(PhoneNumberType.FIXED_LINE, "KZ");
		String e164 = EXAMPLES.util.format(landline, PhoneNumberFormat.E164);
		PhoneNormalizer normalizer = new PhoneNormalizer("KZ", List.of("KZ"),
				EnumSet.of(PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE));

		assertThat(refusal(this.kazakhstan, e164).code()).isEqualTo(ProblemCode.INVALID_PHONE);
		assertThat(normalizer.toE164(e164)).isEqualTo(e164);
	}

	@ParameterizedTest
	@ValueSource(strings = { "+0 777 123 45 67", "+7 777 123 45 6", "+7 777 123 45 678", "8 000 000 00 00",
			"1234567", "+999 1234567", "(((1234567)))" })
	void refusesWellFormedInputThatIsNoValidNumber(String raw) {
		ProblemException problem = refusal(this.kazakhstan, raw);

		assertThat(problem.code()).isEqualTo(ProblemCode.INVALID_PHONE);
		assertThat(problem.detail()).doesNotContain(raw.strip());
	}

	static Stream<Arguments> hostileInputs() {
		return Stream.of(Arguments.of("full-width digits", "+７７７７１２３４５６７"),
				Arguments.of("ten full-width digits", "+７７７１２３４５６７"),
				Arguments.of("one full-width digit", "+7777123456７"),
				Arguments.of("Arabic-Indic digits", "+٧٧٧٧١٢٣٤٥٦٧"),
				Arguments.of("Extended Arabic-Indic digits", "+۷۷۷۷۱۲۳۴۵۶۷"),
				Arguments.of("Devanagari digits", "+७७७७१२३४५६७"),
				Arguments.of("mathematical bold digits", "+𝟕𝟕𝟕𝟕𝟏𝟐𝟑𝟒𝟓𝟔𝟕"),
				Arguments.of("superscript digit", "+7777123456\u00B2"),
				Arguments.of("zero-width space inside", "+7777\u200B1234567"),
				Arguments.of("zero-width joiner inside", "+7777\u200D1234567"),
				Arguments.of("word joiner inside", "+7777\u20601234567"),
				Arguments.of("byte order mark in front", "\uFEFF+77771234567"),
				Arguments.of("soft hyphen inside", "+7777\u00AD1234567"),
				Arguments.of("NUL at the end", "+77771234567\u0000"),
				Arguments.of("NUL inside", "+7777\u00001234567"),
				Arguments.of("CR at the end", "+77771234567\r"),
				Arguments.of("LF at the end", "+77771234567\n"),
				Arguments.of("CRLF and a header", "+77771234567\r\nX-Otp-Verification: x"),
				Arguments.of("tab inside", "+7777\t1234567"),
				Arguments.of("escape character", "+7777\u001B1234567"),
				Arguments.of("DEL character", "+7777\u007F1234567"),
				Arguments.of("right-to-left override", "\u202E+77771234567"),
				Arguments.of("right-to-left mark", "+7777\u200F1234567"),
				Arguments.of("no-break space", "+7\u00A0777\u00A01234567"),
				Arguments.of("en dash", "+7 777 123\u201345\u201367"),
				Arguments.of("full-width plus", "\uFF0B77771234567"),
				Arguments.of("hash-tag braces around", "{+77771234567}"),
				Arguments.of("hash-tag braces inside", "+7777{1234567}"),
				Arguments.of("star", "*77771234567"),
				Arguments.of("hash", "+77771234567#"),
				Arguments.of("slash", "+7/777/1234567"),
				Arguments.of("comma", "+7,777,1234567"),
				Arguments.of("semicolon extension", "+77771234567;ext=12"),
				Arguments.of("tel URI", "tel:+77771234567"),
				Arguments.of("vanity letters", "+7777CVETY67"),
				Arguments.of("extension word", "+77771234567 ext. 12"),
				Arguments.of("extension letter", "+77771234567x12"),
				Arguments.of("Cyrillic letter", "+7777123456\u0437"),
				Arguments.of("two pluses", "++77771234567"),
				Arguments.of("plus inside", "+7777+1234567"),
				Arguments.of("plus after a digit", "7+7771234567"),
				Arguments.of("plus at the end", "77771234567+"),
				Arguments.of("33 characters", "+7 777 123 45 67" + " ".repeat(17)),
				Arguments.of("very long digits", "7".repeat(10_000)),
				Arguments.of("very long spaces", " ".repeat(1_000_000)),
				Arguments.of("empty", ""),
				Arguments.of("blank", "   "),
				Arguments.of("only plus", "+"),
				Arguments.of("plus and spaces", " + "),
				Arguments.of("only separators", "-().-()."),
				Arguments.of("six digits", "+7 777 12"),
				Arguments.of("sixteen digits", "+7777123456789012"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("hostileInputs")
	void refusesHostileInputAsInvalidPhone(String description, String raw) {
		ProblemException problem = refusal(this.kazakhstan, raw);

		assertThat(problem.code()).isEqualTo(ProblemCode.INVALID_PHONE);
		assertThat(problem.detail()).isNotBlank().doesNotContain("7771234").doesNotContain("CVETY");
		assertThat(problem.detail()).matches("[\\x20-\\x7E]+");
	}

	@ParameterizedTest
	@NullSource
	void refusesMissingInputAsInvalidPhone(String raw) {
		assertThat(refusal(this.kazakhstan, raw).code()).isEqualTo(ProblemCode.INVALID_PHONE);
	}

	@Test
	void refusesEveryCharacterOutsidePlainAsciiPhoneSyntax() {
		String allowed = "0123456789 -().+";
		List<Character> accepted = new ArrayList<>();
		for (char c = 0; c < Character.MAX_VALUE; c++) {
			if (allowed.indexOf(c) < 0) {
				try {
					this.kazakhstan.toE164("+7777" + c + "1234567");
					accepted.add(c);
				}
				catch (ProblemException ex) {
					assertThat(ex.code()).isEqualTo(ProblemCode.INVALID_PHONE);
				}
			}
		}
		assertThat(accepted).isEmpty();
	}

	@Test
	void refusesEveryNonAsciiUnicodeDigit() {
		List<Integer> accepted = new ArrayList<>();
		for (int codePoint = 0; codePoint <= Character.MAX_CODE_POINT; codePoint++) {
			if (Character.isDigit(codePoint) && codePoint > '9') {
				try {
					this.kazakhstan.toE164("+777712345" + Character.toString(codePoint) + "7");
					accepted.add(codePoint);
				}
				catch (ProblemException ex) {
					assertThat(ex.code()).isEqualTo(ProblemCode.INVALID_PHONE);
				}
			}
		}
		assertThat(accepted).isEmpty();
	}

	@Test
	void acceptsSeparatorsUpToTheLengthLimit() {
		String padded = "+7 777 123 45 67" + " ".repeat(PhoneNormalizer.MAX_LENGTH - 16);

		assertThat(padded).hasSize(PhoneNormalizer.MAX_LENGTH);
		assertThat(this.kazakhstan.toE164(padded)).isEqualTo("+77771234567");
	}

	@Test
	void defaultAllowedTypesAreMobileAndFixedLineOrMobile() {
		assertThat(PhoneNormalizer.DEFAULT_ALLOWED_TYPES).containsExactlyInAnyOrder(PhoneNumberType.MOBILE,
				PhoneNumberType.FIXED_LINE_OR_MOBILE);
		assertThat(PhoneNormalizer.DEFAULT_ALLOWED_TYPES).isUnmodifiable();
	}

	@Test
	void copiesItsConfigurationSoLaterChangesHaveNoEffect() {
		List<String> regions = new ArrayList<>(List.of("kz"));
		Set<PhoneNumberType> types = EnumSet.of(PhoneNumberType.MOBILE);
		PhoneNormalizer normalizer = new PhoneNormalizer("kz", regions, types);

		regions.add("RU");
		types.add(PhoneNumberType.PREMIUM_RATE);

		assertThat(normalizer.allowedRegions()).containsExactly("KZ").isUnmodifiable();
		assertThat(normalizer.allowedTypes()).containsExactly(PhoneNumberType.MOBILE).isUnmodifiable();
		assertThat(refusal(normalizer, "+79161234567").code()).isEqualTo(ProblemCode.REGION_NOT_ALLOWED);
	}

	@Test
	void refusesUnknownDefaultRegionNamingTheKey() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new PhoneNormalizer("XX", List.of("KZ"), PhoneNormalizer.DEFAULT_ALLOWED_TYPES))
			.withMessageContaining("cvety.otp.default-region")
			.withMessageContaining("'XX'");
	}

	@Test
	void refusesUnknownOrNonGeographicAllowedRegionNamingTheKey() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new PhoneNormalizer("KZ", List.of("KZ", "001"), PhoneNormalizer.DEFAULT_ALLOWED_TYPES))
			.withMessageContaining("cvety.otp.allowed-regions");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new PhoneNormalizer("KZ", List.of("Kazakhstan"), PhoneNormalizer.DEFAULT_ALLOWED_TYPES))
			.withMessageContaining("cvety.otp.allowed-regions");
	}

	@Test
	void refusesEmptyConfiguration() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new PhoneNormalizer("KZ", List.of(), PhoneNormalizer.DEFAULT_ALLOWED_TYPES))
			.withMessageContaining("cvety.otp.allowed-regions");
		assertThatIllegalArgumentException().isThrownBy(() -> new PhoneNormalizer("KZ", List.of("KZ"), List.of()));
	}

	private static ProblemException refusal(PhoneNormalizer normalizer, String raw) {
		ProblemException problem = catchThrowableOfType(ProblemException.class, () -> normalizer.toE164(raw));
		assertThat(problem).as("refusal of [%s]", raw).isNotNull();
		return problem;
	}

	/** Finds libphonenumber's own example numbers, so type tests follow its metadata updates. */
	private static final class Examples {

		private final PhoneNumberUtil util = PhoneNumberUtil.getInstance();

		PhoneNumber exampleOf(PhoneNumberType type) {
			return this.util.getSupportedRegions()
				.stream()
				.sorted()
				.map((region) -> this.util.getExampleNumberForType(region, type))
				.filter((number) -> number != null && this.util.getNumberType(number) == type)
				.findFirst()
				.orElseThrow(() -> new AssertionError("libphonenumber has no example of " + type));
		}

		PhoneNumber exampleOf(PhoneNumberType type, String region) {
			PhoneNumber number = this.util.getExampleNumberForType(region, type);
			assertThat(number).isNotNull();
			assertThat(this.util.getNumberType(number)).isEqualTo(type);
			return number;
		}

	}


	@Test
	void decidesLikeTheLibrarysValidityCheckOverManyNumbersOfManyRegions() {
		// The normalizer takes "type known" for "valid" (one region lookup less); the library's own validity check
		// and region lookup must agree with it on every number, valid or not, of several regions sharing +7 and not.
		PhoneNumberUtil util = PhoneNumberUtil.getInstance();
		Random random = new Random(7);
		int[] countryCodes = { 7, 7, 7, 1, 44, 49, 86, 996, 998 };
		int valid = 0;
		int accepted = 0;
		for (int i = 0; i < 20_000; i++) {
			int countryCode = countryCodes[random.nextInt(countryCodes.length)];
			// Half of the +7 numbers in Kazakhstan's 7xx range, so that many are accepted, not only refused.
			long national = (countryCode == 7 && random.nextBoolean()) ? 7_000_000_000L + random.nextInt(1_000_000_000)
					: (long) (random.nextDouble() * Math.pow(10, 6 + random.nextInt(6)));
			PhoneNumber number = new PhoneNumber().setCountryCode(countryCode).setNationalNumber(national);
			boolean libraryValid = util.isValidNumber(number);
			assertThat(util.getNumberType(number) != PhoneNumberType.UNKNOWN).as("%s", number).isEqualTo(libraryValid);

			String raw = "+" + countryCode + national;
			String expected = referenceOutcome(util, raw);
			String actual;
			try {
				actual = "accepted " + this.kazakhstan.toE164(raw);
			}
			catch (ProblemException ex) {
				actual = ex.code().code();
			}
			assertThat(actual).as(raw).isEqualTo(expected);
			valid += libraryValid ? 1 : 0;
			accepted += actual.startsWith("accepted") ? 1 : 0;
		}
		assertThat(valid).isGreaterThan(1_000);
		assertThat(accepted).isGreaterThan(500);
	}

	/** The checks as written with the library's validity test, before the normalizer folded it into the type. */
	private static String referenceOutcome(PhoneNumberUtil util, String raw) {
		PhoneNumber number;
		try {
			number = util.parse(raw, "KZ");
		}
		catch (NumberParseException ex) {
			return ProblemCode.INVALID_PHONE.code();
		}
		if (number.hasExtension() || !util.isValidNumber(number)) {
			return ProblemCode.INVALID_PHONE.code();
		}
		if (!"KZ".equals(util.getRegionCodeForNumber(number))) {
			return ProblemCode.REGION_NOT_ALLOWED.code();
		}
		if (!PhoneNormalizer.DEFAULT_ALLOWED_TYPES.contains(util.getNumberType(number))) {
			return ProblemCode.INVALID_PHONE.code();
		}
		return "accepted " + util.format(number, PhoneNumberFormat.E164);
	}

}
