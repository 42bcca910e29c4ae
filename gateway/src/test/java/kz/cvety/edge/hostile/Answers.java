package kz.cvety.edge.hostile;

import tools.jackson.databind.JsonNode;

import kz.cvety.edge.hostile.RawHttp.Response;

import static org.assertj.core.api.Assertions.assertThat;

/** Checks on what the gateway answered a hostile request: always an RFC 9457 problem, never a 5xx. */
final class Answers {

	private Answers() {
	}

	/** A 4xx {@code application/problem+json} answer whose {@code status} member matches the status line. */
	static JsonNode assertClientProblem(Response response, Object input) {
		assertThat(response.status()).as("status for %s: %s", input, response).isBetween(400, 499);
		assertThat(response.header("content-type")).as("content type for %s: %s", input, response)
			.startsWith("application/problem+json");
		JsonNode problem = response.json();
		assertThat(problem.path("status").asInt()).as("problem status for %s", input).isEqualTo(response.status());
		assertThat(problem.path("type").asString()).as("problem type for %s", input).startsWith("urn:cvety:problem:");
		assertThat(problem.path("detail").asString()).as("problem detail for %s", input).isNotEmpty();
		return problem;
	}

	/** Exactly this status and problem {@code code}. */
	static JsonNode assertProblem(Response response, int status, String code, Object input) {
		JsonNode problem = assertClientProblem(response, input);
		assertThat(response.status()).as("status for %s: %s", input, response).isEqualTo(status);
		assertThat(problem.path("code").asString()).as("problem code for %s: %s", input, response).isEqualTo(code);
		return problem;
	}

}
