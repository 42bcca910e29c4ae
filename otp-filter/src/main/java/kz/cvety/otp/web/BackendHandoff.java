package kz.cvety.otp.web;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.cloud.client.circuitbreaker.ReactiveCircuitBreaker;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.util.UriComponentsBuilder;

import kz.cvety.otp.OtpHeaders;

/**
 * Hands a verified request on to the backend: the original verify request (method, path, query, headers and
 * body) plus {@value OtpHeaders#VERIFICATION}, through the same circuit breaker and timeout as the proxied
 * routes; the backend's answer is relayed as it is. Written here rather than as a second gateway route
 * because the token exists only after the handler has run. The request headers pass through the same
 * {@link HttpHeadersFilter}s as a proxied request's, so the backend reads the same forwarding headers either way.
 */
public final class BackendHandoff {

	/** Hop-by-hop headers (RFC 9110 section 7.6.1) are never forwarded, in either direction. */
	private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
			"proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length");

	private final WebClient client;

	private final URI backendUrl;

	private final ReactiveCircuitBreaker circuitBreaker;

	private final Supplier<List<HttpHeadersFilter>> headersFilters;

	/**
	 * @param headersFilters the proxied routes' request header filters, asked on each hand-off
	 */
	public BackendHandoff(WebClient client, URI backendUrl, ReactiveCircuitBreaker circuitBreaker,
			Supplier<List<HttpHeadersFilter>> headersFilters) {
		this.client = client;
		this.backendUrl = backendUrl;
		this.circuitBreaker = circuitBreaker;
		this.headersFilters = headersFilters;
	}

	/** Forwards the admitted verify request with {@code token}; relays the backend's status, headers and body. */
	public Mono<ServerResponse> forward(ServerWebExchange exchange, OtpExchange otp, String token) {
		ServerHttpRequest original = exchange.getRequest();
		HttpHeaders filtered = HttpHeadersFilter.filterRequest(this.headersFilters.get(), exchange);
		Mono<ResponseEntity<Flux<DataBuffer>>> call = this.client.post()
			.uri(target(this.backendUrl, original.getURI().getRawQuery()))
			.headers(headers -> {
				copyEndToEnd(filtered, headers);
				headers.set(OtpHeaders.VERIFICATION, token);
			})
			.bodyValue(otp.request().body())
			.retrieve()
			.onStatus(status -> true, response -> Mono.empty())
			.toEntityFlux(DataBuffer.class);
		return this.circuitBreaker.run(call).flatMap(response -> ServerResponse.status(response.getStatusCode())
			.headers(headers -> copyEndToEnd(response.getHeaders(), headers))
			.body(BodyInserters.fromDataBuffers((response.getBody() != null) ? response.getBody() : Flux.empty())));
	}

	/**
	 * The backend's verify URL with the client's query exactly as it came. Appended as text rather than
	 * re-parsed: the query was already accepted as a {@link URI} on the way in, so it is one again here,
	 * whereas a stricter builder refuses characters such as {@code [} that clients do send.
	 */
	static URI target(URI backendUrl, @Nullable String rawQuery) {
		String base = UriComponentsBuilder.fromUri(backendUrl).replaceQuery(null).fragment(null)
			.path(OtpRoutes.VERIFY_OTP)
			.build(true)
			.toUriString();
		return URI.create((rawQuery != null) ? base + "?" + rawQuery : base);
	}

	private static void copyEndToEnd(HttpHeaders from, HttpHeaders to) {
		from.forEach((name, values) -> {
			if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT)) && !BackendHeadersFilter.isVerificationHeader(name)) {
				to.addAll(name, values);
			}
		});
	}

}
