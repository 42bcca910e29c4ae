package kz.cvety.edge.support;

import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** What {@link ProblemAssert} lets through and what it stops, on answers built by hand. */
class ProblemAssertTest {

	static final String RATE_LIMITED = """
			{"type":"urn:cvety:problem:rate_limited","title":"Too many requests","status":429,
			"detail":"Try again later.","instance":"/api/auth/request-otp","code":"rate_limited","limit":"send-per-ip"}""";

	@Test
	void completeProblemPasses() {
		assertThatProblem(answer(429, RATE_LIMITED, Map.of("Retry-After", "30"))).hasStatus(429)
			.hasCode("rate_limited")
			.hasLimit("send-per-ip")
			.hasInstance("/api/auth/request-otp")
			.hasRetryAfterBetween(1, 30);
	}

	@Test
	void rateLimitedByAnotherLimitFails() {
		assertThatProblem(answer(429, RATE_LIMITED, Map.of("Retry-After", "30"))).isRateLimitedBy("send-per-ip");
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> assertThatProblem(answer(429, RATE_LIMITED, Map.of("Retry-After", "30")))
				.isRateLimitedBy("send-per-phone"))
			.withMessageContaining("limit");
	}

	@Test
	void anotherStatusIsNotRateLimited() {
		String body = RATE_LIMITED.replace("\"status\":429", "\"status\":503");
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> assertThatProblem(answer(503, body, Map.of("Retry-After", "30")))
				.isRateLimitedBy("send-per-ip"))
			.withMessageContaining("status");
	}

	@Test
	void retryAfterOutsideItsBoundsFails() {
		HttpAnswer answer = answer(429, RATE_LIMITED, Map.of("Retry-After", "30"));
		assertThatProblem(answer).hasRetryAfter(30).hasRetryAfterAtLeast(30).hasRetryAfterBetween(30, 30);
		assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> assertThatProblem(answer).hasRetryAfter(29))
			.withMessageContaining("Retry-After");
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> assertThatProblem(answer).hasRetryAfterAtLeast(31))
			.withMessageContaining("Retry-After");
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> assertThatProblem(answer).hasRetryAfterBetween(31, 60))
			.withMessageContaining("Retry-After");
	}

	@Test
	void codeOutsideTheGivenOnesFails() {
		HttpAnswer answer = answer(429, RATE_LIMITED, Map.of("Retry-After", "30"));
		assertThatProblem(answer).hasCodeIn("verify_locked", "rate_limited");
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> assertThatProblem(answer).hasCodeIn("otp_invalid", "otp_expired"))
			.withMessageContaining("code");
	}

	@Test
	void satisfiesTellsWhetherTheRequirementsHold() {
		HttpAnswer answer = answer(429, RATE_LIMITED, Map.of("Retry-After", "30"));
		assertThat(ProblemAssert.satisfies(answer, problem -> problem.isRateLimitedBy("send-per-ip"))).isTrue();
		assertThat(ProblemAssert.satisfies(answer, problem -> problem.hasRetryAfterBetween(1, 10))).isFalse();
		assertThat(ProblemAssert.satisfies(answer(429, RATE_LIMITED, Map.of()), ProblemAssert::isProblem)).isFalse();
	}

	@Test
	void problemWithoutInstanceFails() {
		String body = RATE_LIMITED.replace("\"instance\":\"/api/auth/request-otp\",", "");
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> assertThatProblem(answer(429, body, Map.of("Retry-After", "30"))).hasStatus(429))
			.withMessageContaining("instance");
	}

	@Test
	void tooManyRequestsWithoutRetryAfterFails() {
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> assertThatProblem(answer(429, RATE_LIMITED, Map.of())).hasStatus(429))
			.withMessageContaining("Retry-After");
	}

	@Test
	void typeThatDoesNotNameTheCodeFails() {
		String body = RATE_LIMITED.replace("urn:cvety:problem:rate_limited", "about:blank");
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> assertThatProblem(answer(429, body, Map.of("Retry-After", "30"))).isProblem())
			.withMessageContaining("type");
	}

	@Test
	void plainJsonIsNoProblem() {
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> assertThatProblem(answer(429, RATE_LIMITED, Map.of("Retry-After", "30"),
					"application/json")).isProblem())
			.withMessageContaining("Content-Type");
	}

	private static HttpAnswer answer(int status, String body, Map<String, String> headers) {
		return answer(status, body, headers, "application/problem+json");
	}

	private static HttpAnswer answer(int status, String body, Map<String, String> headers, String contentType) {
		JsonNode json = JsonMapper.builder().build().readTree(body);
		return new HttpAnswer() {

			@Override
			public int status() {
				return status;
			}

			@Override
			public String header(String name) {
				return name.equalsIgnoreCase("Content-Type") ? contentType : headers.get(name);
			}

			@Override
			public JsonNode json() {
				return json;
			}

			@Override
			public String toString() {
				return status + " " + body;
			}

		};
	}

}
