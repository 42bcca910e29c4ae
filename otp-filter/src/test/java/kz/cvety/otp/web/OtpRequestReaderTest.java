package kz.cvety.otp.web;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OtpRequestReaderTest {

	private final OtpRequestReader reader = new OtpRequestReader();

	@Test
	void readsTheFrontendsFieldNames() {
		OtpRequest request = this.reader.readVerify(bytes("{\"phone\":\"+77771234567\",\"otp_code\":\"012345\",\"extra\":1}"));
		assertThat(request.phone()).isEqualTo("+77771234567");
		assertThat(request.otpCode()).isEqualTo("012345");
	}

	@ParameterizedTest
	@ValueSource(strings = { "", " ", "not json", "[]", "\"+77771234567\"", "42", "null", "{\"phone\":", "{phone:\"x\"}",
			"{\"phone\":\"+77771234567\",\"phone\":\"+77770000000\"}", "{\"phone\":7771234567}",
			"{\"phone\":[\"+77771234567\"]}", "{\"phone\":{\"n\":\"+77771234567\"}}", "{\"phone\":null}",
			"{\"phone\":true}", "{}", "{\"Phone\":\"+77771234567\"}" })
	void refusesAnythingButAnObjectWithAStringPhone(String body) {
		assertThatThrownBy(() -> this.reader.readSend(bytes(body))).isInstanceOfSatisfying(ProblemException.class,
				problem -> assertThat(problem.code()).isEqualTo(ProblemCode.MALFORMED_REQUEST));
	}

	@ParameterizedTest
	@ValueSource(strings = { "{\"phone\":\"+77771234567\"}", "{\"phone\":\"+77771234567\",\"otp_code\":123456}",
			"{\"phone\":\"+77771234567\",\"otp_code\":null}", "{\"phone\":\"+77771234567\",\"otp_code\":[\"1\"]}",
			"{\"phone\":\"+77771234567\",\"otp_code\":\"1\",\"otp_code\":\"2\"}" })
	void verifyNeedsAStringCode(String body) {
		assertThatThrownBy(() -> this.reader.readVerify(bytes(body))).isInstanceOfSatisfying(ProblemException.class,
				problem -> assertThat(problem.code()).isEqualTo(ProblemCode.MALFORMED_REQUEST));
	}

	@Test
	void refusesOverlongUtf8ThatALenientDecoderReadsAsADigit() {
		byte[] overlongSeven = { (byte) 0xC0, (byte) 0xB7 };
		byte[] body = concat(bytes("{\"phone\":\"+777"), overlongSeven, bytes("1234567\"}"));
		assertThatThrownBy(() -> this.reader.readSend(body)).isInstanceOfSatisfying(ProblemException.class,
				problem -> assertThat(problem.code()).isEqualTo(ProblemCode.MALFORMED_REQUEST));
	}

	@ParameterizedTest
	@ValueSource(strings = { "UTF-16", "UTF-16BE", "UTF-16LE", "UTF-32", "UTF-32LE" })
	void refusesBodiesInOtherEncodingsThanUtf8(String encoding) {
		byte[] body = "{\"phone\":\"+77771234567\"}".getBytes(java.nio.charset.Charset.forName(encoding));
		assertThatThrownBy(() -> this.reader.readSend(body)).isInstanceOfSatisfying(ProblemException.class,
				problem -> assertThat(problem.code()).isEqualTo(ProblemCode.MALFORMED_REQUEST));
	}

	@Test
	void readsUtf8WithAndWithoutAByteOrderMark() {
		assertThat(this.reader.readSend(bytes("{\"phone\":\"+77771234567\",\"name\":\"\u0410\u0439\u0433\u04af\u043b\"}"))
			.phone()).isEqualTo("+77771234567");
		assertThat(this.reader.readSend(bytes("\uFEFF{\"phone\":\"+77771234567\"}")).phone()).isEqualTo("+77771234567");
	}

	@Test
	void refusesDeeplyNestedBodies() {
		String nested = "{\"phone\":\"+77771234567\",\"x\":" + "[".repeat(100) + "]".repeat(100) + "}";
		assertThatThrownBy(() -> this.reader.readSend(bytes(nested))).isInstanceOf(ProblemException.class);
	}

	@Test
	void detailNeverEchoesTheInput() {
		assertThatThrownBy(() -> this.reader.readSend(bytes("{\"phone\":12345678901}")))
			.isInstanceOfSatisfying(ProblemException.class,
					problem -> assertThat(problem.detail()).doesNotContain("12345678901"));
	}

	private static byte[] concat(byte[]... parts) {
		java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
		for (byte[] part : parts) {
			out.writeBytes(part);
		}
		return out.toByteArray();
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
