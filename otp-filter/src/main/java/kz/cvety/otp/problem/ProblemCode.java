package kz.cvety.otp.problem;

import org.springframework.http.HttpStatus;

/**
 * The machine-readable {@code code} member of every problem answer (RFC 9457), with its HTTP status and
 * title. The codes are a contract with the frontend and the ops runbooks: never rename one.
 */
public enum ProblemCode {

	MALFORMED_REQUEST("malformed_request", HttpStatus.BAD_REQUEST, "Malformed request"),
	INVALID_PHONE("invalid_phone", HttpStatus.BAD_REQUEST, "Invalid phone number"),
	REGION_NOT_ALLOWED("region_not_allowed", HttpStatus.BAD_REQUEST, "Phone region not allowed"),
	INVALID_CODE_FORMAT("invalid_code_format", HttpStatus.BAD_REQUEST, "Invalid code format"),
	OTP_INVALID("otp_invalid", HttpStatus.UNAUTHORIZED, "Wrong code"),
	OTP_EXPIRED("otp_expired", HttpStatus.UNAUTHORIZED, "No live code"),
	NOT_FOUND("not_found", HttpStatus.NOT_FOUND, "Not found"),
	METHOD_NOT_ALLOWED("method_not_allowed", HttpStatus.METHOD_NOT_ALLOWED, "Method not allowed"),
	PAYLOAD_TOO_LARGE("payload_too_large", HttpStatus.CONTENT_TOO_LARGE, "Payload too large"),
	UNSUPPORTED_MEDIA_TYPE("unsupported_media_type", HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
	OTP_ATTEMPTS_EXHAUSTED("otp_attempts_exhausted", HttpStatus.TOO_MANY_REQUESTS, "Code attempts exhausted"),
	VERIFY_LOCKED("verify_locked", HttpStatus.TOO_MANY_REQUESTS, "Too many failed verifications"),
	RATE_LIMITED("rate_limited", HttpStatus.TOO_MANY_REQUESTS, "Rate limit reached"),
	STORE_UNAVAILABLE("store_unavailable", HttpStatus.SERVICE_UNAVAILABLE, "OTP store unavailable"),
	SMS_UNAVAILABLE("sms_unavailable", HttpStatus.SERVICE_UNAVAILABLE, "SMS provider unavailable"),
	BACKEND_UNAVAILABLE("backend_unavailable", HttpStatus.SERVICE_UNAVAILABLE, "Backend unavailable"),
	BACKEND_TIMEOUT("backend_unavailable", HttpStatus.GATEWAY_TIMEOUT, "Backend timed out"),
	INTERNAL_ERROR("internal_error", HttpStatus.INTERNAL_SERVER_ERROR, "Internal error");

	private final String code;

	private final HttpStatus status;

	private final String title;

	ProblemCode(String code, HttpStatus status, String title) {
		this.code = code;
		this.status = status;
		this.title = title;
	}

	/** The value of the problem's {@code code} member. */
	public String code() {
		return this.code;
	}

	public HttpStatus status() {
		return this.status;
	}

	public String title() {
		return this.title;
	}

	/** The problem's {@code type} URI; a stable identifier, not a page. */
	public String type() {
		return "urn:cvety:problem:" + this.code;
	}

}
