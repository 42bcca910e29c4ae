package kz.cvety.otp.web;

import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads OTP request bodies strictly: a JSON object whose {@code phone} (and, to verify, {@code otp_code}) are
 * strings. Duplicate keys, deep nesting and other types are refused with 400 {@code malformed_request}
 * rather than guessed at: a body two parsers could read differently is an attack surface.
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
			root = this.mapper.readTree(body);
		}
		catch (JacksonException ex) {
			throw malformed("The body is not valid JSON, has duplicate keys or is nested too deeply.");
		}
		if (root == null || !root.isObject()) {
			throw malformed("The body must be a JSON object.");
		}
		return root;
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
