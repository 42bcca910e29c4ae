package kz.cvety.otp.problem;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;

/**
 * An expected refusal or fault that the edge answers with an RFC 9457 problem. Carries no stack trace:
 * denials are routine, and a bot hammering the gateway must not cost a stack walk per request.
 */
public final class ProblemException extends RuntimeException {

	private final ProblemCode code;

	private final HttpStatusCode status;

	private final @Nullable Duration retryAfter;

	private final Map<String, Object> extras;

	private final HttpHeaders headers;

	private final boolean cached;

	private final @Nullable String limit;

	private ProblemException(Builder builder) {
		super(builder.detail, builder.cause, false, false);
		this.code = builder.code;
		this.status = (builder.status != null) ? builder.status : builder.code.status();
		this.retryAfter = builder.retryAfter;
		this.extras = Collections.unmodifiableMap(new LinkedHashMap<>(builder.extras));
		this.headers = HttpHeaders.readOnlyHttpHeaders((builder.headers != null) ? builder.headers : new HttpHeaders());
		this.cached = builder.cached;
		this.limit = builder.limit;
	}

	public static Builder of(ProblemCode code, String detail) {
		return new Builder(code, detail);
	}

	public ProblemCode code() {
		return this.code;
	}

	/** The HTTP status: the code's own, unless a framework status had no code of its own. */
	public HttpStatusCode status() {
		return this.status;
	}

	public String detail() {
		return Objects.requireNonNull(getMessage());
	}

	/** How long the client should wait before retrying, or null when retrying is pointless. */
	public @Nullable Duration retryAfter() {
		return this.retryAfter;
	}

	/** Extension members of the problem body, such as {@code attempts_remaining} or {@code limit}. */
	public Map<String, Object> extras() {
		return this.extras;
	}

	/** Extra response headers, such as the {@code RateLimit-*} fields. */
	public HttpHeaders headers() {
		return this.headers;
	}

	/** Whether the refusal was decided in-process without asking Redis (not part of the answer). */
	public boolean cached() {
		return this.cached;
	}

	/** The limit that refused, for a {@code rate_limited} problem; also its {@code limit} member. */
	public @Nullable String limit() {
		return this.limit;
	}

	/** Builds a {@link ProblemException}. */
	public static final class Builder {

		private final ProblemCode code;

		private final String detail;

		private @Nullable Duration retryAfter;

		private @Nullable HttpStatusCode status;

		private @Nullable Throwable cause;

		private final Map<String, Object> extras = new LinkedHashMap<>();

		private @Nullable HttpHeaders headers;

		private boolean cached;

		private @Nullable String limit;

		private Builder(ProblemCode code, String detail) {
			this.code = Objects.requireNonNull(code);
			this.detail = Objects.requireNonNull(detail);
		}

		public Builder retryAfter(@Nullable Duration retryAfter) {
			this.retryAfter = retryAfter;
			return this;
		}

		/** Overrides the code's status; only for framework errors mapped onto a generic code. */
		public Builder status(HttpStatusCode status) {
			this.status = status;
			return this;
		}

		public Builder extra(String name, Object value) {
			this.extras.put(name, value);
			return this;
		}

		/**
		 * Extra response headers. The first call takes {@code headers} as they are (callers pass a fresh
		 * instance and do not touch it again): a refusal is answered often enough that copying them once more
		 * shows up.
		 */
		public Builder headers(HttpHeaders headers) {
			if (this.headers == null) {
				this.headers = headers;
			}
			else {
				this.headers.addAll(headers);
			}
			return this;
		}

		/** Names the limit that refused, as the {@code limit} member of the answer. */
		public Builder limit(String limit) {
			this.limit = limit;
			return extra("limit", limit);
		}

		public Builder cached(boolean cached) {
			this.cached = cached;
			return this;
		}

		public Builder cause(@Nullable Throwable cause) {
			this.cause = cause;
			return this;
		}

		public ProblemException build() {
			return new ProblemException(this);
		}

	}

}
