package kz.cvety.edge.support;

import java.util.Arrays;
import java.util.function.Consumer;

import org.assertj.core.api.AbstractAssert;
import tools.jackson.databind.JsonNode;

import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient.ResponseSpec;

/**
 * AssertJ assertions on an RFC 9457 problem answer: every check of a status also checks what every problem
 * must carry (the README's Errors contract), so a test names only what is particular to its case.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9457">RFC 9457: Problem Details for HTTP APIs</a>
 */
public final class ProblemAssert extends AbstractAssert<ProblemAssert, HttpAnswer> {

	/** Prefix of every problem {@code type}; the code follows it. */
	public static final String TYPE_PREFIX = "urn:cvety:problem:";

	private ProblemAssert(HttpAnswer actual) {
		super(actual, ProblemAssert.class);
	}

	public static ProblemAssert assertThatProblem(HttpAnswer answer) {
		return new ProblemAssert(answer);
	}

	/** A WebTestClient exchange, read once here, so its checks are those of every other answer. */
	public static ProblemAssert assertThatProblem(ResponseSpec response) {
		return assertThatProblem(response.expectBody().returnResult());
	}

	public static ProblemAssert assertThatProblem(EntityExchangeResult<byte[]> result) {
		return new ProblemAssert(HttpAnswer.of(result));
	}

	/**
	 * {@code application/problem+json} with the RFC 9457 members {@code type}, {@code title}, {@code status} (the
	 * status line's), {@code detail}, {@code instance}, and a {@code code} that {@code type} ends with; a 429 or
	 * 503 also says when to come back: {@code Retry-After} in whole seconds, at least 1.
	 */
	public ProblemAssert isProblem() {
		isNotNull();
		String contentType = this.actual.header("Content-Type");
		if (contentType == null || !MediaType.APPLICATION_PROBLEM_JSON.equals(MediaType.parseMediaType(contentType))) {
			failWithMessage("Expected Content-Type application/problem+json but was <%s> on <%s>", contentType,
					this.actual);
		}
		JsonNode problem = this.actual.json();
		String code = problem.path("code").asString("");
		if (code.isEmpty()) {
			failWithMessage("Expected a problem code on <%s>", this.actual);
		}
		if (!problem.path("type").asString("").equals(TYPE_PREFIX + code)) {
			failWithMessage("Expected type <%s> on <%s>", TYPE_PREFIX + code, this.actual);
		}
		for (String member : new String[] { "title", "detail", "instance" }) {
			if (problem.path(member).asString("").isBlank()) {
				failWithMessage("Expected a non-empty <%s> on <%s>", member, this.actual);
			}
		}
		if (!problem.path("status").isInt() || problem.path("status").asInt() != this.actual.status()) {
			failWithMessage("Expected problem status <%s>, the status line's, on <%s>", this.actual.status(),
					this.actual);
		}
		if (this.actual.status() == 429 || this.actual.status() == 503) {
			retryAfter();
		}
		return this;
	}

	/** A problem with this status. */
	public ProblemAssert hasStatus(int status) {
		isProblem();
		if (this.actual.status() != status) {
			failWithMessage("Expected status <%s> but was <%s> on <%s>", status, this.actual.status(), this.actual);
		}
		return this;
	}

	/** A problem with a 4xx status: the client's fault, never the gateway's. */
	public ProblemAssert isClientError() {
		isProblem();
		if (this.actual.status() < 400 || this.actual.status() > 499) {
			failWithMessage("Expected a 4xx status but was <%s> on <%s>", this.actual.status(), this.actual);
		}
		return this;
	}

	/**
	 * Whether {@code answer} passes {@code requirements}, for a predicate over many answers (a fault test's
	 * recorded traffic) that reports the ones that do not rather than stopping at the first.
	 */
	public static boolean satisfies(HttpAnswer answer, Consumer<ProblemAssert> requirements) {
		try {
			requirements.accept(assertThatProblem(answer));
			return true;
		}
		catch (AssertionError ex) {
			return false;
		}
	}

	/** This machine-readable {@code code} (and so {@code type}). */
	public ProblemAssert hasCode(String code) {
		return hasMember("code", code);
	}

	/** One of these machine-readable codes, where a race decides which. */
	public ProblemAssert hasCodeIn(String... codes) {
		isNotNull();
		String actualCode = this.actual.json().path("code").asString(null);
		if (!Arrays.asList(codes).contains(actualCode)) {
			failWithMessage("Expected code in <%s> but was <%s> on <%s>", Arrays.toString(codes), actualCode,
					this.actual);
		}
		return this;
	}

	/** A {@code 429 rate_limited} problem naming {@code limit}, with its {@code Retry-After}. */
	public ProblemAssert isRateLimitedBy(String limit) {
		return hasStatus(429).hasCode("rate_limited").hasLimit(limit);
	}

	/** The limit a {@code rate_limited} problem names. */
	public ProblemAssert hasLimit(String limit) {
		return hasMember("limit", limit);
	}

	/** The path the client called. */
	public ProblemAssert hasInstance(String instance) {
		return hasMember("instance", instance);
	}

	/** Attempts the live code has left after an {@code otp_invalid}. */
	public ProblemAssert hasAttemptsRemaining(int remaining) {
		isNotNull();
		JsonNode value = this.actual.json().path("attempts_remaining");
		if (!value.isInt() || value.asInt() != remaining) {
			failWithMessage("Expected attempts_remaining <%s> on <%s>", remaining, this.actual);
		}
		return this;
	}

	/** A {@code Retry-After} of whole seconds, at least 1. */
	public ProblemAssert hasRetryAfter() {
		isNotNull();
		retryAfter();
		return this;
	}

	/** A {@code Retry-After} of exactly {@code seconds}. */
	public ProblemAssert hasRetryAfter(long seconds) {
		return hasRetryAfterBetween(seconds, seconds);
	}

	/** A {@code Retry-After} of at least {@code min} seconds. */
	public ProblemAssert hasRetryAfterAtLeast(long min) {
		return hasRetryAfterBetween(min, Long.MAX_VALUE);
	}

	/** A {@code Retry-After} of {@code min} to {@code max} seconds. */
	public ProblemAssert hasRetryAfterBetween(long min, long max) {
		isNotNull();
		long seconds = retryAfter();
		if (seconds < min || seconds > max) {
			failWithMessage("Expected Retry-After between <%s> and <%s> but was <%s> on <%s>", min, max, seconds,
					this.actual);
		}
		return this;
	}

	private ProblemAssert hasMember(String name, String value) {
		isNotNull();
		String actualValue = this.actual.json().path(name).asString(null);
		if (!value.equals(actualValue)) {
			failWithMessage("Expected %s <%s> but was <%s> on <%s>", name, value, actualValue, this.actual);
		}
		return this;
	}

	private long retryAfter() {
		String value = this.actual.header("Retry-After");
		if (value == null || !value.matches("[0-9]+") || Long.parseLong(value) < 1) {
			failWithMessage("Expected Retry-After of whole seconds, at least 1, but was <%s> on <%s>", value,
					this.actual);
		}
		return Long.parseLong(value);
	}

}
