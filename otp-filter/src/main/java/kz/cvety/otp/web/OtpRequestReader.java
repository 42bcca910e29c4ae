package kz.cvety.otp.web;

import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;

/**
 * Reads OTP request bodies strictly: a JSON object in UTF-8 (RFC 8259) whose {@code phone} (and, to verify,
 * {@code otp_code}) are strings. Invalid UTF-8, other encodings, duplicate keys, deep nesting and other types
 * are refused with 400 {@code malformed_request} rather than guessed at: a body two parsers could read
 * differently is an attack surface.
 */
public final class OtpRequestReader {

	/** Field name of the phone number (the existing frontend's). */
	public static final String PHONE = "phone";

	/** Field name of the code (the existing frontend's). */
	public static final String OTP_CODE = "otp_code";

	private static final int MAX_NESTING = 16;

	private final JsonMapper mapper = JsonMapper.builder(JsonFactory.builder()
		.streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
		.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
		.build()).build();

	/** Reads a request-otp body. */
	public OtpRequest readSend(byte[] body) {
		JsonNode root = parse(body);
		return new OtpRequest(text(root, PHONE), null, body);
	}

	/** Reads a verify-otp body. */
	public OtpRequest readVerify(byte[] body) {
		JsonNode root = parse(body);
		return new OtpRequest(text(root, PHONE), text(root, OTP_CODE), body);
	}

	private JsonNode parse(byte[] body) {
		if (body.length == 0) {
			throw malformed("The body is empty; send a JSON object.");
		}
		JsonNode root;
		try {
			root = this.mapper.readTree(utf8(body));
		}
		catch (JacksonException ex) {
			throw malformed("The body is not valid JSON, has duplicate keys or is nested too deeply.");
		}
		if (root == null || !root.isObject()) {
			throw malformed("The body must be a JSON object.");
		}
		return root;
	}

	/**
	 * Decodes strictly: Jackson alone would read overlong forms ({@code C0 B7} as '7') and detect UTF-16 and
	 * UTF-32 by itself, so bytes the backend reads differently could still yield a valid phone or code. A
	 * leading byte order mark is ignored, as RFC 8259 allows and as before.
	 */
	private static String utf8(byte[] body) {
		String text = StrictUtf8.decode(body);
		if (text == null) {
			throw malformed("The body is not valid UTF-8.");
		}
		return text.startsWith("\uFEFF") ? text.substring(1) : text;
	}

	private static String text(JsonNode root, String field) {
		JsonNode value = root.get(field);
		if (value == null || value.isNull()) {
			throw malformed("The field '" + field + "' is required.");
		}
		if (!value.isString()) {
			throw malformed("The field '" + field + "' must be a string.");
		}
		return value.asString();
	}

	private static ProblemException malformed(String detail) {
		return ProblemException.of(ProblemCode.MALFORMED_REQUEST, detail).build();
	}

}
