package kz.cvety.edge.support;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.test.web.reactive.server.EntityExchangeResult;

/** What {@link ProblemAssert} reads of an HTTP answer, whichever client received it. */
public interface HttpAnswer {

	int status();

	/** The first value of the header, or null. */
	String header(String name);

	/** The body as JSON; an empty object for an empty body. */
	JsonNode json();

	/** A WebTestClient exchange's answer, for checks only WebTestClient can make (its request, a chunked body). */
	static HttpAnswer of(EntityExchangeResult<byte[]> result) {
		byte[] body = result.getResponseBodyContent();
		JsonMapper mapper = JsonMapper.builder().build();
		JsonNode json = (body == null || body.length == 0) ? mapper.createObjectNode() : mapper.readTree(body);
		return new HttpAnswer() {

			@Override
			public int status() {
				return result.getStatus().value();
			}

			@Override
			public String header(String name) {
				return result.getResponseHeaders().getFirst(name);
			}

			@Override
			public JsonNode json() {
				return json;
			}

			@Override
			public String toString() {
				return status() + " " + json + " " + result.getResponseHeaders();
			}

		};
	}

}
