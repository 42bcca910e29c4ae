package kz.cvety.otp.web;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;

import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;
import kz.cvety.otp.problem.RetryAfter;

import static org.assertj.core.api.Assertions.assertThat;

class ProblemWriterTest {

	@Test
	void retryAfterRoundsUpToWholeSecondsAndIsAtLeastOne() {
		assertThat(RetryAfter.seconds(Duration.ofMillis(5_001))).isEqualTo(6);
		assertThat(RetryAfter.seconds(Duration.ofSeconds(6))).isEqualTo(6);
		assertThat(RetryAfter.seconds(Duration.ofMillis(1))).isEqualTo(1);
		assertThat(RetryAfter.seconds(Duration.ZERO)).isEqualTo(1);
		assertThat(RetryAfter.seconds(Duration.ofSeconds(-3))).isEqualTo(1);
		assertThat(RetryAfter.seconds(null)).isEqualTo(1);
	}

	@Test
	void bodyHasTheRfc9457MembersTheCodeAndExtras() {
		ProblemException problem = ProblemException.of(ProblemCode.RATE_LIMITED, "Too many.")
			.extra("limit", "send-per-phone")
			.build();
		Map<String, Object> body = ProblemWriter.body(problem, "/api/auth/request-otp");
		assertThat(body).containsEntry("type", "urn:cvety:problem:rate_limited")
			.containsEntry("title", "Rate limit reached")
			.containsEntry("status", 429)
			.containsEntry("detail", "Too many.")
			.containsEntry("instance", "/api/auth/request-otp")
			.containsEntry("code", "rate_limited")
			.containsEntry("limit", "send-per-phone");
	}

	@Test
	void backendTimeoutSharesTheBackendCodeWithItsOwnStatus() {
		assertThat(ProblemCode.BACKEND_TIMEOUT.code()).isEqualTo(ProblemCode.BACKEND_UNAVAILABLE.code());
		assertThat(ProblemCode.BACKEND_TIMEOUT.status().value()).isEqualTo(504);
	}

	@Test
	void problemsCarryNoStackTrace() {
		assertThat(ProblemException.of(ProblemCode.OTP_INVALID, "x").build().getStackTrace()).isEmpty();
	}

	@Test
	void instanceIsTheRequestPathWhenNothingRewroteIt() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/catalog?page=2"));

		assertThat(ProblemWriter.instance(exchange)).isEqualTo("/api/catalog");
	}

	@Test
	void instanceIsTheFirstUrlRecordedBeforeRoutingNotTheForwardTarget() {
		MockServerWebExchange called = MockServerWebExchange.from(MockServerHttpRequest.post("/api/auth/verify-otp/"));
		ServerWebExchangeUtils.addOriginalRequestUrl(called, URI.create("http://edge/api/auth/verify-otp/?x=1"));
		ServerWebExchangeUtils.addOriginalRequestUrl(called, URI.create("http://edge/auth/verify-otp"));
		ServerWebExchange forwarded = called.mutate().request(r -> r.path("/_cvety/otp/verify-otp")).build();

		assertThat(ProblemWriter.instance(forwarded)).isEqualTo("/api/auth/verify-otp/");
	}

	@Test
	void instanceKeepsThePathAsTheClientEncodedIt() {
		MockServerWebExchange called = MockServerWebExchange.from(MockServerHttpRequest.get("/x"));
		ServerWebExchangeUtils.addOriginalRequestUrl(called, URI.create("http://edge/api/%D1%86%D0%B2%D0%B5%D1%82%D1%8B"));

		assertThat(ProblemWriter.instance(called)).isEqualTo("/api/%D1%86%D0%B2%D0%B5%D1%82%D1%8B");
	}

	@Test
	void writtenProblemNamesTheClientsPath() {
		MockServerWebExchange called = MockServerWebExchange.from(MockServerHttpRequest.post("/api/auth/request-otp"));
		ServerWebExchangeUtils.addOriginalRequestUrl(called, called.getRequest().getURI());
		ServerWebExchange forwarded = called.mutate().request(r -> r.path("/_cvety/otp/request-otp")).build();

		ProblemWriter.write(forwarded, ProblemException.of(ProblemCode.NOT_FOUND, "No route for this path.").build())
			.block();

		assertThat(called.getResponse().getBodyAsString().block())
			.contains("\"instance\":\"/api/auth/request-otp\"")
			.doesNotContain("_cvety");
	}

}
