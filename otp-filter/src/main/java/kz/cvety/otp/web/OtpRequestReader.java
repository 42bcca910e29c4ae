package kz.cvety.otp.web;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Set;

import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;

import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;

/**
 * Reads OTP requests strictly: a POST with a JSON content type and a body no larger than the policy allows, read
 * once and bounded, holding a JSON object in UTF-8 (RFC 8259) whose {@code phone} (and, to verify,
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

	/**
	 * Reads the request's body, at most {@code maxBytes}, refusing it unread when the method, content type or
	 * declared length is wrong: 405, 415, 413, then 400 {@code malformed_request} for the body itself.
	 * @param verify a verify-otp body ({@code otp_code} required) rather than a request-otp body
	 */
	public Mono<OtpRequest> read(ServerHttpRequest request, boolean verify, int maxBytes) {
		if (!HttpMethod.POST.equals(request.getMethod())) {
			HttpHeaders allow = new HttpHeaders();
			allow.setAllow(Set.of(HttpMethod.POST));
			return Mono.error(ProblemException.of(ProblemCode.METHOD_NOT_ALLOWED, "Use POST.").headers(allow).build());
		}
		if (!isJson(request.getHeaders())) {
			return Mono.error(ProblemException
				.of(ProblemCode.UNSUPPORTED_MEDIA_TYPE, "The body must be application/json.")
				.build());
		}
		if (request.getHeaders().getContentLength() > maxBytes) {
			return Mono.error(tooLarge(maxBytes));
		}
		return DataBufferUtils.join(request.getBody(), maxBytes)
			.map(buffer -> {
				byte[] bytes = new byte[buffer.readableByteCount()];
				buffer.read(bytes);
				DataBufferUtils.release(buffer);
				return bytes;
			})
			.defaultIfEmpty(new byte[0])
			.onErrorMap(DataBufferLimitException.class, ex -> tooLarge(maxBytes))
			.map(body -> verify ? readVerify(body) : readSend(body));
	}

	private static ProblemException tooLarge(int maxBytes) {
		return ProblemException
			.of(ProblemCode.PAYLOAD_TOO_LARGE, "The request body is larger than " + maxBytes + " bytes.")
			.build();
	}

	private static boolean isJson(HttpHeaders headers) {
		MediaType contentType;
		try {
			contentType = headers.getContentType();
		}
		catch (InvalidMediaTypeException ex) {
			// An unparseable Content-Type (or an unknown charset) is the client's mistake: 415, not a 500.
			return false;
		}
		if (contentType == null || contentType.isWildcardType() || contentType.isWildcardSubtype()) {
			return false;
		}
		boolean json = MediaType.APPLICATION_JSON.isCompatibleWith(contentType)
				|| ("application".equals(contentType.getType()) && contentType.getSubtype().endsWith("+json"));
		// JSON is UTF-8 (RFC 8259); a client declaring another charset encoded its body for a different reader.
		Charset charset = contentType.getCharset();
		return json && (charset == null || StandardCharsets.UTF_8.equals(charset));
	}

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
