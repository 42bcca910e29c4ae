package kz.cvety.edge.hostile;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.BeforeProperty;

import kz.cvety.edge.hostile.RawHttp.Request;
import kz.cvety.edge.hostile.RawHttp.Response;

import static kz.cvety.edge.hostile.HostileGateway.CONTROL_PHONE;
import static kz.cvety.edge.hostile.HostileGateway.REQUEST_OTP;
import static kz.cvety.edge.hostile.HostileGateway.VERIFY_OTP;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;

/**
 * Hostile OTP request bodies against one real gateway over HTTP, property-based: every JSON type and shape for
 * {@code phone} and {@code otp_code}, every non-ASCII Unicode digit, control, zero-width and bidi characters,
 * Redis hash-tag and protocol fragments, duplicate keys, deep nesting, bodies over the 4 KiB limit, invalid
 * UTF-8 and other encodings. Each input aims at a control phone that holds a live code, on the route's exact
 * path, with a trailing slash or a query string. Every input gets a 4xx problem; afterwards Redis holds
 * exactly what it held before, no SMS went out, and the control code still has all its attempts.
 */
class HostileBodyIT {

	static final int MAX_BODY = 4096;

	static final int MAX_ATTEMPTS = 3;

	/** Ways to write the control phone that the gateway accepts: the base every spoiled phone starts from. */
	static final List<String> CONTROL_SPELLINGS = List.of(CONTROL_PHONE, "87015550123", "77015550123", "7015550123",
			"+7 701 555-01-23", "8 (701) 555 01 23", "+7.701.555.01.23");

	static HostileGateway edge;

	@BeforeContainer
	static void start() {
		edge = HostileGateway.start(Map.of());
		System.out.printf("Java %s: %d non-ASCII Nd digits in %d blocks, %d other numerals, %d controls, "
				+ "%d invisible (Cf), %d other spaces%n", Runtime.version(),
				Hostile.LOOK_ALIKE_DIGITS.size(), Hostile.DIGIT_BLOCK_ZEROS.size(), Hostile.OTHER_NUMERALS.size(),
				Hostile.CONTROLS.size(), Hostile.INVISIBLE.size(), Hostile.OTHER_SPACES.size());
	}

	@BeforeProperty
	void restoreControl() {
		edge.restoreIfChanged();
	}

	@AfterContainer
	static void stop() {
		edge.proveUntouchedAndClose(MAX_ATTEMPTS);
	}

	@Property(tries = 300)
	void aPhoneWithAnyForeignCharacterIsInvalidOnBothRoutes(@ForAll("spoiledPhones") String phone,
			@ForAll boolean escapeAll, @ForAll("targets") Target target) {
		String body = target.verify() ? object("phone", Hostile.quote(phone, escapeAll), "otp_code", quoted(edge.controlCode))
				: object("phone", Hostile.quote(phone, escapeAll));
		expect(target, body, 400, "invalid_phone");
	}

	@Property(tries = 300)
	void aCodeWithAnyForeignCharacterOrLengthIsRefusedWithoutUsingAnAttempt(@ForAll("spoiledCodes") String code,
			@ForAll boolean escapeAll, @ForAll("verifyTargets") Target target) {
		expect(target, object("phone", quoted(CONTROL_PHONE), "otp_code", Hostile.quote(code, escapeAll)), 400,
				"invalid_code_format");
	}

	@Property(tries = 1000, generation = GenerationMode.EXHAUSTIVE)
	void everyNonAsciiUnicodeDigitIsRefusedInPhonesAndCodes(@ForAll("lookAlikeDigits") int digit) {
		String glyph = Character.toString(digit);
		int phoneAt = 2 + digit % 10;
		String phone = CONTROL_PHONE.substring(0, phoneAt) + glyph + CONTROL_PHONE.substring(phoneAt + 1);
		expect(new Target(REQUEST_OTP, false), object("phone", quoted(phone)), 400, "invalid_phone");
		int codeAt = digit % edge.controlCode.length();
		String code = edge.controlCode.substring(0, codeAt) + glyph + edge.controlCode.substring(codeAt + 1);
		expect(new Target(VERIFY_OTP, true), object("phone", quoted(CONTROL_PHONE), "otp_code", quoted(code)), 400,
				"invalid_code_format");
	}

	@Property(tries = 200)
	void aPhoneOrCodeOfAnyOtherJsonTypeIsMalformed(@ForAll("nonStrings") String value,
			@ForAll("fields") String field, @ForAll("anyTarget") Target target) {
		String body;
		if (!target.verify()) {
			body = object("phone", value);
		}
		else if (field.equals("phone")) {
			body = object("phone", value, "otp_code", quoted(edge.controlCode));
		}
		else {
			body = object("phone", quoted(CONTROL_PHONE), "otp_code", value);
		}
		expectMalformedOrTooLarge(target, body.getBytes(StandardCharsets.UTF_8));
	}

	@Property(tries = 200)
	void aBodyOfAnyOtherShapeIsMalformed(@ForAll("otherShapes") String body, @ForAll("anyTarget") Target target) {
		expectMalformedOrTooLarge(target, body.getBytes(StandardCharsets.UTF_8));
	}

	@Property(tries = 100)
	void aVerificationWithoutAnOtpCodeMemberIsMalformed(@ForAll("withoutCode") String body,
			@ForAll("verifyTargets") Target target) {
		expectMalformedOrTooLarge(target, body.getBytes(StandardCharsets.UTF_8));
	}

	@Property(tries = 200)
	void duplicateKeysAreMalformedWhateverTheirOrderAndSpelling(@ForAll("duplicated") List<String> members,
			@ForAll("anyTarget") Target target) {
		List<String> all = new ArrayList<>(members);
		all.add("\"phone\":" + quoted(CONTROL_PHONE));
		if (target.verify()) {
			all.add("\"otp_code\":" + quoted(edge.controlCode));
		}
		Collections.shuffle(all, new Random(members.hashCode()));
		String body = all.stream().collect(Collectors.joining(",", "{", "}"));
		expect(target, body, 400, "malformed_request");
	}

	@Property(tries = 150)
	void nestingDeeperThanSixteenLevelsIsMalformedOrTooLarge(@ForAll("depths") int depth, @ForAll boolean arrays,
			@ForAll("anyTarget") Target target) {
		String open = arrays ? "[" : "{\"a\":";
		String close = arrays ? "]" : "}";
		String nested = open.repeat(depth - 1) + "1" + close.repeat(depth - 1);
		String body = target.verify()
				? object("phone", quoted(CONTROL_PHONE), "otp_code", quoted(edge.controlCode), "x", nested)
				: object("phone", quoted(CONTROL_PHONE), "x", nested);
		expectMalformedOrTooLarge(target, body.getBytes(StandardCharsets.UTF_8));
	}

	@Property(tries = 100)
	void aRequestOverFourKibIsRefusedUnreadWithOrWithoutContentLength(@ForAll("oversizes") int size,
			@ForAll boolean chunked, @ForAll("anyTarget") Target target) {
		String start = target.verify()
				? "{\"phone\":" + quoted(CONTROL_PHONE) + ",\"otp_code\":" + quoted(edge.controlCode) + ",\"pad\":\""
				: "{\"phone\":" + quoted(CONTROL_PHONE) + ",\"pad\":\"";
		byte[] body = (start + "x".repeat(size - start.length() - 2) + "\"}").getBytes(StandardCharsets.UTF_8);
		Response answer = edge.http.send(Request.post(target.path())
			.header("Content-Type", "application/json")
			.body(body)
			.chunked(chunked));
		String input = target + " body of " + body.length + " bytes" + (chunked ? ", chunked" : "");
		assertThatProblem(answer).as("%s", input).hasStatus(413).hasCode("payload_too_large");
		edge.assertUnchanged(input);
	}

	@Property(tries = 200)
	void longPhonesAndCodesAreRefused(@ForAll("longDigits") String digits, @ForAll("anyTarget") Target target) {
		if (!target.verify()) {
			expectByteSize(target, object("phone", quoted("+" + digits)), 400, "invalid_phone");
		}
		else if (digits.length() % 2 == 0) {
			expectByteSize(target, object("phone", quoted(digits), "otp_code", quoted(edge.controlCode)), 400,
					"invalid_phone");
		}
		else {
			expectByteSize(target, object("phone", quoted(CONTROL_PHONE), "otp_code", quoted(digits)), 400,
					"invalid_code_format");
		}
	}

	@Property(tries = 300)
	void invalidUtf8AnywhereInTheBodyIsMalformed(@ForAll("invalidUtf8") byte[] sequence,
			@ForAll("utf8Positions") int position, @ForAll("anyTarget") Target target) {
		List<String> parts = new ArrayList<>(List.of("{\"phone\":\"+7701", "5550123\",\"pad\":\"a", "b\",\"ke", "y\":1"));
		if (target.verify()) {
			parts.add(",\"otp_code\":\"" + edge.controlCode.substring(0, 3));
			parts.add(edge.controlCode.substring(3) + "\"");
		}
		parts.add("}");
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		int at = Math.min(position, parts.size() - 1);
		for (int i = 0; i < parts.size(); i++) {
			body.writeBytes(parts.get(i).getBytes(StandardCharsets.UTF_8));
			if (i == at) {
				body.writeBytes(sequence);
			}
		}
		Response answer = edge.http.postJson(target.path(), body.toByteArray());
		String input = target + " with bytes " + hex(sequence) + " after part " + at;
		assertThatProblem(answer).as("%s", input).hasStatus(400).hasCode("malformed_request");
		edge.assertUnchanged(input);
	}

	@Property(tries = 100, generation = GenerationMode.EXHAUSTIVE)
	void aBodyInAnotherEncodingThanUtf8IsMalformed(@ForAll("otherEncodings") String encoding,
			@ForAll boolean byteOrderMark, @ForAll boolean verify) {
		Target target = new Target(verify ? VERIFY_OTP : REQUEST_OTP, verify);
		String text = verify ? object("phone", quoted(CONTROL_PHONE), "otp_code", quoted(edge.controlCode))
				: object("phone", quoted(CONTROL_PHONE));
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		if (byteOrderMark) {
			body.writeBytes("\uFEFF".getBytes(Charset.forName(encoding)));
		}
		body.writeBytes(text.getBytes(Charset.forName(encoding)));
		Response answer = edge.http.postJson(target.path(), body.toByteArray());
		String input = target + " in " + encoding + (byteOrderMark ? " with BOM" : "");
		assertThatProblem(answer).as("%s", input).hasStatus(400).hasCode("malformed_request");
		edge.assertUnchanged(input);
	}

	@Property(tries = 100, generation = GenerationMode.EXHAUSTIVE)
	void handPickedBodiesAreRefused(@ForAll("handPicked") String body, @ForAll boolean verify) {
		String path = verify ? VERIFY_OTP : REQUEST_OTP;
		Response answer = edge.http.postJson(path, body.getBytes(StandardCharsets.UTF_8));
		String input = "POST " + path + " " + body;
		assertThatProblem(answer).as("%s", input).isClientError();
		edge.assertUnchanged(input);
	}

	@Provide
	Arbitrary<String> spoiledPhones() {
		return Arbitraries.of(CONTROL_SPELLINGS).flatMap(Hostile::spoiled);
	}

	@Provide
	Arbitrary<String> spoiledCodes() {
		String code = edge.controlCode;
		return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(5, Hostile.spoiled(code)),
				net.jqwik.api.Tuple.of(2, Arbitraries.of(Hostile.DIGIT_BLOCK_ZEROS).map(zero -> Hostile.inBlock(code, zero))),
				net.jqwik.api.Tuple.of(1, Arbitraries.strings().numeric().ofMaxLength(5)),
				net.jqwik.api.Tuple.of(1, Arbitraries.strings().numeric().ofMinLength(7).ofMaxLength(40)),
				net.jqwik.api.Tuple.of(1, Arbitraries.of(" " + code, code + " ", "\t" + code, code + "\n", "+" + code,
						"-" + code, code.substring(0, 3) + " " + code.substring(3), code + code, code.substring(1),
						code + "0", "0" + code, code.substring(0, 3) + "-" + code.substring(3), "0x" + code,
						code + ".0", code + "e0", "")));
	}

	@Provide
	Arbitrary<Integer> lookAlikeDigits() {
		return Arbitraries.of(Hostile.LOOK_ALIKE_DIGITS);
	}

	@Provide
	Arbitrary<String> nonStrings() {
		return Hostile.nonStringJson(CONTROL_PHONE.substring(1), edge.controlCode);
	}

	@Provide
	Arbitrary<String> fields() {
		return Arbitraries.of("phone", "otp_code");
	}

	@Provide
	Arbitrary<String> otherShapes() {
		Arbitrary<String> topLevel = Hostile.anyJson(CONTROL_PHONE, edge.controlCode).filter(json -> !json.startsWith("{"));
		Arbitrary<String> withoutPhone = misnamed(Arbitraries.of("Phone", "PHONE", "phone ", " phone", "phone\\u0000",
				"ph\u043Ene", "phone\u200B", "\u202Ephone", "phone_number", "tel", "msisdn", "", "otp_code", "code"))
			.map(members -> "{" + members + "}");
		return Arbitraries.oneOf(topLevel, withoutPhone, Arbitraries.of("{}", "{\"phone\":null}"));
	}

	@Provide
	Arbitrary<String> withoutCode() {
		return misnamed(Arbitraries.of("otp-code", "otpCode", "OTP_CODE", "otp_code ", "otp_c\u043Ede", "code", "otp",
				"otp_code\u200B", "Otp_Code", "phone2"))
			.map(members -> "{\"phone\":" + quoted(CONTROL_PHONE) + "," + members + "}");
	}

	/** One to three members under the given names (none of them the real field), with tempting values. */
	private static Arbitrary<String> misnamed(Arbitrary<String> names) {
		Arbitrary<String> values = Arbitraries.of(quoted(CONTROL_PHONE), quoted(edge.controlCode), "null", "1", "{}",
				"[]");
		return Combinators.combine(names.list().ofMinSize(1).ofMaxSize(3).uniqueElements(), values.list().ofSize(3))
			.as((keys, vals) -> IntStream.range(0, keys.size())
				.mapToObj(i -> "\"" + keys.get(i) + "\":" + vals.get(i))
				.collect(Collectors.joining(",")));
	}

	@Provide
	Arbitrary<List<String>> duplicated() {
		Arbitrary<String> names = Arbitraries.of("phone", "ph\\u006fne", "\\u0070hone", "otp_code", "otp\\u005fcode",
				"\\u006f\\u0074\\u0070\\u005f\\u0063\\u006f\\u0064\\u0065");
		Arbitrary<String> values = Arbitraries.oneOf(Arbitraries.of(quoted(CONTROL_PHONE), quoted("+77011234567"),
				quoted(edge.controlCode), quoted("000000"), "null", "1"), Hostile.anyJson());
		return Combinators.combine(names, values).as((name, value) -> "\"" + name + "\":" + value).list().ofMinSize(1)
			.ofMaxSize(3)
			.filter(members -> members.stream().anyMatch(m -> m.startsWith("\"ph") || m.startsWith("\"\\u0070")));
	}

	@Provide
	Arbitrary<Integer> depths() {
		return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(17, 400)),
				net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(401, 5000)));
	}

	@Provide
	Arbitrary<Integer> oversizes() {
		return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(MAX_BODY + 1, MAX_BODY + 64)),
				net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(MAX_BODY + 65, 65_536)),
				net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(65_537, 1_048_576)));
	}

	@Provide
	Arbitrary<String> longDigits() {
		Arbitrary<Character> phoneChars = Arbitraries.of('0', '1', '7', '9', ' ', '-', '(', ')', '.');
		return Arbitraries.oneOf(Arbitraries.strings().numeric().ofMinLength(33).ofMaxLength(200),
				Arbitraries.strings().numeric().ofMinLength(201).ofMaxLength(6000),
				Arbitraries.strings().withChars('7', '0').ofMinLength(33).ofMaxLength(4000),
				phoneChars.list().ofMinSize(33).ofMaxSize(300).map(chars -> "7"
						+ chars.stream().map(String::valueOf).collect(Collectors.joining())));
	}

	@Provide
	Arbitrary<byte[]> invalidUtf8() {
		Arbitrary<Integer> ascii = Arbitraries.of((int) '7', (int) '0', (int) '"', (int) '\\', (int) '}', (int) ',',
				(int) ':', (int) '+', (int) ' ');
		Arbitrary<byte[]> overlong2 = ascii.map(c -> bytes(0xC0 | (c >> 6), 0x80 | (c & 0x3F)));
		Arbitrary<byte[]> overlong3 = ascii.map(c -> bytes(0xE0, 0x80 | (c >> 6), 0x80 | (c & 0x3F)));
		Arbitrary<byte[]> overlong4 = ascii.map(c -> bytes(0xF0, 0x80, 0x80 | (c >> 6), 0x80 | (c & 0x3F)));
		Arbitrary<byte[]> continuation = Arbitraries.integers().between(0x80, 0xBF).map(b -> bytes(b));
		Arbitrary<byte[]> badLead = Arbitraries.of(0xC0, 0xC1, 0xF5, 0xF6, 0xF7, 0xF8, 0xFB, 0xFC, 0xFD, 0xFE, 0xFF)
			.map(b -> bytes(b));
		Arbitrary<byte[]> surrogate = Combinators.combine(Arbitraries.integers().between(0xA0, 0xBF),
				Arbitraries.integers().between(0x80, 0xBF))
			.as((b2, b3) -> bytes(0xED, b2, b3));
		Arbitrary<byte[]> truncated = Arbitraries.of(bytes(0xC3), bytes(0xE2, 0x82), bytes(0xF0, 0x9F, 0x98),
				bytes(0xE0, 0xA0), bytes(0xF4, 0x8F, 0xBF));
		Arbitrary<byte[]> beyondUnicode = Arbitraries.of(bytes(0xF4, 0x90, 0x80, 0x80), bytes(0xF7, 0xBF, 0xBF, 0xBF),
				bytes(0xF8, 0x88, 0x80, 0x80, 0x80));
		Arbitrary<byte[]> latin1 = Arbitraries.of(bytes(0xE9), bytes(0xD7), bytes(0xA0), bytes(0xB2));
		return Arbitraries.oneOf(overlong2, overlong3, overlong4, continuation, badLead, surrogate, truncated,
				beyondUnicode, latin1);
	}

	@Provide
	Arbitrary<Integer> utf8Positions() {
		return Arbitraries.integers().between(0, 6);
	}

	@Provide
	Arbitrary<String> otherEncodings() {
		return Arbitraries.of("UTF-16BE", "UTF-16LE", "UTF-32BE", "UTF-32LE");
	}

	@Provide
	Arbitrary<String> handPicked() {
		String phone = quoted(CONTROL_PHONE);
		String code = quoted(edge.controlCode);
		return Arbitraries.of("", " ", "\r\n", "null", "true", "0", "\"\"", "[]", "{}", "[{}]", phone,
				"[" + phone + "," + code + "]", "{\"phone\":" + phone + "}{\"otp_code\":" + code + "}",
				"{\"phone\":" + phone + ",\"otp_code\":" + code + "}garbage",
				"{\"phone\":" + phone + ",\"otp_code\":" + code + "},",
				"{\"phone\":" + phone + ",\"otp_code\":" + code + ",}",
				"{\"phone\":" + phone + ",\"otp_code\":" + code,
				"{'phone':'" + CONTROL_PHONE + "','otp_code':'" + edge.controlCode + "'}",
				"{phone:" + phone + ",otp_code:" + code + "}",
				"{\"phone\":" + phone + "/*x*/,\"otp_code\":" + code + "}",
				"{\"phone\":" + phone + ",\"otp_code\":" + code + "}//",
				"{\"phone\":" + phone + ",\"otp_code\":" + code + ",\"x\":NaN}",
				"{\"phone\":" + phone + ",\"otp_code\":" + code + ",\"x\":01}",
				"{\"phone\":" + phone + ",\"otp_code\":" + code + ",\"x\":" + "9".repeat(1500) + "}",
				"{\"phone\":\"+7701\\ud8005550123\",\"otp_code\":" + code + "}",
				"{\"phone\":\"+77015550123\u0000\",\"otp_code\":" + code + "}",
				"{\"phone\":\"+7701\n5550123\",\"otp_code\":" + code + "}",
				"*3\r\n$3\r\nDEL\r\n$5\r\nphone\r\n", "*1\r\n$8\r\nFLUSHALL\r\n", "PING\r\n",
				"phone=%2B77015550123&otp_code=" + edge.controlCode,
				"--x\r\nContent-Disposition: form-data; name=\"phone\"\r\n\r\n+77015550123\r\n--x--\r\n",
				"<phone>+77015550123</phone>", "\uFEFF", "\u0000", "\u0000".repeat(100));
	}

	@Provide
	Arbitrary<Target> targets() {
		return Arbitraries.oneOf(targetsFor(REQUEST_OTP, false), targetsFor(VERIFY_OTP, true));
	}

	@Provide
	Arbitrary<Target> anyTarget() {
		return targets();
	}

	@Provide
	Arbitrary<Target> verifyTargets() {
		return targetsFor(VERIFY_OTP, true);
	}

	/** The route's exact path, with a trailing slash, or with a query string (which the route ignores). */
	private static Arbitrary<Target> targetsFor(String path, boolean verify) {
		Arbitrary<String> queries = Arbitraries.of("x=1", "phone=%2B77015550123", "otp_code=123456&debug=true",
				"bypass=1", "", "a=%00", "phone=%2B77015550123&phone=%2B77011234567");
		return Arbitraries.oneOf(Arbitraries.just(path), Arbitraries.just(path + "/"), queries.map(q -> path + "?" + q))
			.map(p -> new Target(p, verify));
	}

	private static void expect(Target target, String body, int status, String code) {
		Response answer = edge.http.postJson(target.path(), body.getBytes(StandardCharsets.UTF_8));
		String input = target + " " + body;
		assertThatProblem(answer).as("%s", input).hasStatus(status).hasCode(code);
		edge.assertUnchanged(input);
	}

	private static void expectByteSize(Target target, String body, int status, String code) {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		if (bytes.length > MAX_BODY) {
			expect(target, body, 413, "payload_too_large");
		}
		else {
			expect(target, body, status, code);
		}
	}

	private static void expectMalformedOrTooLarge(Target target, byte[] body) {
		Response answer = edge.http.postJson(target.path(), body);
		String input = target + " " + new String(body, StandardCharsets.UTF_8);
		if (body.length > MAX_BODY) {
			assertThatProblem(answer).as("%s", input).hasStatus(413).hasCode("payload_too_large");
		}
		else {
			assertThatProblem(answer).as("%s", input).hasStatus(400).hasCode("malformed_request");
		}
		edge.assertUnchanged(input);
	}

	private static String object(String... namesAndJsonValues) {
		return IntStream.range(0, namesAndJsonValues.length / 2)
			.mapToObj(i -> quoted(namesAndJsonValues[2 * i]) + ":" + namesAndJsonValues[2 * i + 1])
			.collect(Collectors.joining(",", "{", "}"));
	}

	private static String quoted(String text) {
		return Hostile.quote(text);
	}

	private static byte[] bytes(int... values) {
		byte[] bytes = new byte[values.length];
		for (int i = 0; i < values.length; i++) {
			bytes[i] = (byte) values[i];
		}
		return bytes;
	}

	private static String hex(byte[] bytes) {
		StringBuilder out = new StringBuilder();
		for (byte b : bytes) {
			out.append(String.format("%02X ", b));
		}
		return out.toString().trim();
	}

	/** Where a hostile body goes: a spelling of an OTP route that reaches its admission filter. */
	record Target(String path, boolean verify) {

		@Override
		public String toString() {
			return "POST " + this.path;
		}

	}

}
