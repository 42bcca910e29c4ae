package kz.cvety.edge.hostile;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * What an attacker types instead of a phone number or a code: every Unicode digit that is not ASCII, control,
 * zero-width and bidi characters, Redis hash-tag and protocol characters, and JSON values of every type and
 * shape. Everything here is refused by the gateway; nothing here is plain ASCII phone syntax.
 */
final class Hostile {

	/** Every code point of general category Nd outside ASCII (Arabic-Indic, Devanagari, full-width, ...). */
	static final List<Integer> LOOK_ALIKE_DIGITS = codePoints(cp -> cp > 0x7F
			&& Character.getType(cp) == Character.DECIMAL_DIGIT_NUMBER);

	/** The zero of every non-ASCII Nd block: the block's digits are zero + 0..9. */
	static final List<Integer> DIGIT_BLOCK_ZEROS = LOOK_ALIKE_DIGITS.stream()
		.filter(cp -> Character.digit(cp, 10) == 0)
		.toList();

	/** Other numerals: superscripts, circled and Roman numerals, fractions (categories No and Nl). */
	static final List<Integer> OTHER_NUMERALS = codePoints(cp -> Character.getType(cp) == Character.OTHER_NUMBER
			|| Character.getType(cp) == Character.LETTER_NUMBER);

	/** C0 and C1 controls and DEL (category Cc). */
	static final List<Integer> CONTROLS = codePoints(cp -> Character.getType(cp) == Character.CONTROL);

	/** Zero-width, bidi and other invisible formatting characters (category Cf: U+200B, U+202E, U+FEFF, ...). */
	static final List<Integer> INVISIBLE = codePoints(cp -> Character.getType(cp) == Character.FORMAT);

	/** Spaces other than the ASCII space, line and paragraph separators (Zs, Zl, Zp). */
	static final List<Integer> OTHER_SPACES = codePoints(cp -> cp != ' '
			&& (Character.getType(cp) == Character.SPACE_SEPARATOR || Character.getType(cp) == Character.LINE_SEPARATOR
					|| Character.getType(cp) == Character.PARAGRAPH_SEPARATOR));

	/** Letters that pass for digits, dashes that pass for '-', signs that pass for '+'. */
	static final List<String> LOOK_ALIKE_SYMBOLS = List.of("O", "o", "\u041E", "\u043E", "\u039F", "l", "I", "|",
			"\u0406", "\u0417", "\u0431", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212", "\uFE63",
			"\uFF0D", "\uFF0B", "\u207A", "\u208A", "\uFE62", "\uFF08", "\uFF09", "\u2024", "\uFF0E", "x", "e", "E");

	/** Redis hash-tag, glob and RESP protocol characters and fragments. */
	static final List<String> REDIS_FRAGMENTS = List.of("{", "}", "{}", "}{", "*", "?", "[", "]", "$", ":", "\r", "\n",
			"\r\n", "*3\r\n$3\r\nDEL\r\n", "*1\r\n$8\r\nFLUSHALL\r\n", "\r\nFLUSHALL\r\n", "$-1\r\n", "+OK\r\n",
			"-ERR x\r\n", ":1\r\n", "{+77771234567}", "cvety:otp:{x}:code", "*\r\n", "\\", "%", "%0d%0a", "#", "/",
			",", ";", "'", "\"", "=", "&", "<", ">", "`", "~", "!", "@", "^", "_", "ext. 1", "x123", ";ext=1",
			"\u0000");

	private Hostile() {
	}

	/** One foreign token: never a digit, space, '-', '(', ')', '.' or '+', so it makes any phone invalid. */
	static Arbitrary<String> token() {
		return Arbitraries.frequencyOf(
				net.jqwik.api.Tuple.of(3, Arbitraries.of(LOOK_ALIKE_DIGITS).map(Character::toString)),
				net.jqwik.api.Tuple.of(1, Arbitraries.of(OTHER_NUMERALS).map(Character::toString)),
				net.jqwik.api.Tuple.of(2, Arbitraries.of(CONTROLS).map(Character::toString)),
				net.jqwik.api.Tuple.of(2, Arbitraries.of(INVISIBLE).map(Character::toString)),
				net.jqwik.api.Tuple.of(1, Arbitraries.of(OTHER_SPACES).map(Character::toString)),
				net.jqwik.api.Tuple.of(1, Arbitraries.of(LOOK_ALIKE_SYMBOLS)),
				net.jqwik.api.Tuple.of(3, Arbitraries.of(REDIS_FRAGMENTS)));
	}

	/** {@code text} with 1 to 3 foreign tokens inserted, or with digits replaced by them. */
	static Arbitrary<String> spoiled(String text) {
		Arbitrary<Spoil> spoil = Combinators.combine(token(), Arbitraries.integers().between(0, text.length()),
				Arbitraries.of(true, false))
			.as(Spoil::new);
		return spoil.list().ofMinSize(1).ofMaxSize(3).map(spoils -> {
			String result = text;
			for (Spoil s : spoils) {
				result = s.applyTo(result);
			}
			return result;
		});
	}

	/** Digits of {@code ascii} written in the Nd block starting at {@code zero}. */
	static String inBlock(String ascii, int zero) {
		StringBuilder out = new StringBuilder();
		ascii.chars().forEach(c -> out.appendCodePoint(zero + (c - '0')));
		return out.toString();
	}

	/** JSON numbers of every form, including ones that read as a phone or a code. */
	static Arbitrary<String> jsonNumbers(String... digitsToInclude) {
		List<String> fixed = new ArrayList<>(List.of("0", "-0", "0.0", "1e400", "-1e400", "1E-400", "7.7771234567E10",
				"77771234567e0", "7777123456.7e1", "123456.0", "1.23456e5", "9".repeat(500), "-1", "1e2147483648"));
		for (String digits : digitsToInclude) {
			fixed.add(digits.replaceFirst("^0+(?=.)", ""));
			fixed.add(digits.replaceFirst("^0+(?=.)", "") + ".0");
			fixed.add("-" + digits.replaceFirst("^0+(?=.)", ""));
		}
		return Arbitraries.oneOf(Arbitraries.of(fixed), Arbitraries.integers().map(String::valueOf),
				Arbitraries.longs().map(String::valueOf),
				Arbitraries.bigIntegers()
					.between(BigInteger.TEN.pow(40).negate(), BigInteger.TEN.pow(40))
					.map(BigInteger::toString),
				Arbitraries.doubles().map(String::valueOf),
				Combinators.combine(Arbitraries.longs(), Arbitraries.integers().between(-400, 400))
					.as((mantissa, exponent) -> mantissa + "e" + exponent));
	}

	/** Any JSON text that is not a string: numbers, booleans, null, arrays and objects, nested. */
	static Arbitrary<String> nonStringJson(String... digitsToInclude) {
		Arbitrary<String> scalars = Arbitraries.oneOf(jsonNumbers(digitsToInclude), Arbitraries.of("true", "false", "null"));
		List<String> wrapped = new ArrayList<>();
		for (String digits : digitsToInclude) {
			wrapped.addAll(List.of("[" + quote(digits) + "]", "{\"value\":" + quote(digits) + "}", "[[" + quote(digits) + "]]",
					"{\"phone\":" + quote(digits) + "}"));
		}
		wrapped.add("[]");
		return Arbitraries.oneOf(scalars, containers(anyJson(digitsToInclude)), Arbitraries.of(wrapped));
	}

	/** Any JSON text, nested up to four levels. */
	static Arbitrary<String> anyJson(String... digitsToInclude) {
		List<String> quoted = new ArrayList<>(List.of("\"\""));
		for (String digits : digitsToInclude) {
			quoted.add(quote(digits));
		}
		Arbitrary<String> scalars = Arbitraries.oneOf(jsonNumbers(digitsToInclude),
				Arbitraries.of("true", "false", "null"), Arbitraries.strings().ofMaxLength(12).map(Hostile::quote),
				Arbitraries.of(quoted));
		return Arbitraries.recursive(() -> scalars, Hostile::containers, 0, 4);
	}

	private static Arbitrary<String> containers(Arbitrary<String> inner) {
		Arbitrary<String> arrays = inner.list().ofMaxSize(4).map(items -> "[" + String.join(",", items) + "]");
		Arbitrary<String> objects = Combinators
			.combine(Arbitraries.of("phone", "otp_code", "x", "", "a b", "{}").list().ofMaxSize(4).uniqueElements(),
					inner.list().ofSize(4))
			.as((names, values) -> IntStream.range(0, names.size())
				.mapToObj(i -> quote(names.get(i)) + ":" + values.get(i))
				.collect(Collectors.joining(",", "{", "}")));
		return Arbitraries.oneOf(arrays, objects);
	}

	/** {@code text} as a JSON string literal, escaping only what JSON requires. */
	static String quote(String text) {
		return quote(text, false);
	}

	/**
	 * {@code text} as a JSON string literal; with {@code escapeAll} every character outside printable ASCII as
	 * {@code \}{@code uXXXX} (surrogate pairs for the rest), otherwise raw UTF-8.
	 */
	static String quote(String text, boolean escapeAll) {
		StringBuilder out = new StringBuilder("\"");
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (c == '"' || c == '\\') {
				out.append('\\').append(c);
			}
			else if (c < 0x20 || (escapeAll && c > 0x7E)) {
				out.append(String.format("\\u%04x", (int) c));
			}
			else {
				out.append(c);
			}
		}
		return out.append('"').toString();
	}

	private static List<Integer> codePoints(java.util.function.IntPredicate predicate) {
		return IntStream.rangeClosed(0, Character.MAX_CODE_POINT).filter(predicate).boxed().toList();
	}

	/** Inserts {@code token} at {@code position}, or puts it in place of the character there. */
	private record Spoil(String token, int position, boolean replace) {

		String applyTo(String text) {
			int at = Math.min(this.position, text.length());
			if (this.replace && at < text.length()) {
				return text.substring(0, at) + this.token + text.substring(at + 1);
			}
			return text.substring(0, at) + this.token + text.substring(at);
		}

	}

}
