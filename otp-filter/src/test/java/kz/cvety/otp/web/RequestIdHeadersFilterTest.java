package kz.cvety.otp.web;

import org.junit.jupiter.api.Test;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter.Type;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

class RequestIdHeadersFilterTest {

	private final RequestIdHeadersFilter filter = new RequestIdHeadersFilter();

	@Test
	void appliesToTheProxiedRequestOnly() {
		assertThat(this.filter.supports(Type.REQUEST)).isTrue();
		assertThat(this.filter.supports(Type.RESPONSE)).isFalse();
	}

	@Test
	void theCallersOwnIdGoesOnUntouched() {
		MockServerWebExchange exchange = exchange("req-1", "req-1");
		HttpHeaders input = exchange.getRequest().getHeaders();

		assertThat(this.filter.filter(input, exchange)).isSameAs(input);
	}

	@Test
	void anIdTheEdgeMadeReplacesWhatTheCallerSentAndLeavesTheRequestAsItWas() {
		MockServerWebExchange exchange = exchange("x".repeat(100), "made-by-the-edge");
		HttpHeaders input = exchange.getRequest().getHeaders();

		HttpHeaders forwarded = this.filter.filter(input, exchange);

		assertThat(forwarded.getValuesAsList(RequestIdFilter.HEADER)).containsExactly("made-by-the-edge");
		assertThat(forwarded.getFirst("Accept")).isEqualTo("application/json");
		assertThat(input.getValuesAsList(RequestIdFilter.HEADER)).containsExactly("x".repeat(100));
	}

	@Test
	void aRepeatedHeaderIsSentOnceEvenWhenOneCopyMatches() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/orders")
			.header(RequestIdFilter.HEADER, "req-1", "req-2"));
		exchange.getAttributes().put(RequestIdFilter.ATTRIBUTE, "req-1");

		HttpHeaders forwarded = this.filter.filter(exchange.getRequest().getHeaders(), exchange);

		assertThat(forwarded.getValuesAsList(RequestIdFilter.HEADER)).containsExactly("req-1");
	}

	@Test
	void withoutAnIdTheHeadersPassAsTheyAre() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/orders"));
		HttpHeaders input = exchange.getRequest().getHeaders();

		assertThat(this.filter.filter(input, exchange)).isSameAs(input);
	}

	private static MockServerWebExchange exchange(String sent, String settled) {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/orders")
			.header(RequestIdFilter.HEADER, sent)
			.header("Accept", "application/json"));
		exchange.getAttributes().put(RequestIdFilter.ATTRIBUTE, settled);
		return exchange;
	}

}
