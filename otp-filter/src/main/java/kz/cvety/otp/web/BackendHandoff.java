package kz.cvety.otp.web;

import java.net.URI;
import java.util.Locale;
import java.util.Set;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.cloud.client.circuitbreaker.ReactiveCircuitBreaker;
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
 * because the token exists only after the handler has run.
 */
public final class BackendHandoff {

	/** Hop-by-hop headers (RFC 9110 section 7.6.1) are never forwarded, in either direction. */
	private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
			"proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length");

	private final WebClient client;

	private final URI backendUrl;

	private final ReactiveCircuitBreaker circuitBreaker;

	public BackendHandoff(WebClient client, URI backendUrl, ReactiveCircuitBreaker circuitBreaker) {
		this.client = client;
		this.backendUrl = backendUrl;
		this.circuitBreaker = circuitBreaker;
	}

	/** Forwards the admitted verify request with {@code token}; relays the backend's status, headers and body. */
	public Mono<ServerResponse> forward(ServerWebExchange exchange, OtpExchange otp, String token) {
		ServerHttpRequest original = originalRequest(exchange);
		URI target = UriComponentsBuilder.fromUri(this.backendUrl)
			.path(OtpRoutes.VERIFY_OTP)
			.query(original.getURI().getRawQuery())
			.build(true)
			.toUri();
		Mono<ResponseEntity<Flux<DataBuffer>>> call = this.client.post()
			.uri(target)
			.headers(headers -> {
				copyEndToEnd(original.getHeaders(), headers);
				String requestId = RequestIdFilter.of(exchange);
				if (requestId != null) {
					headers.set(RequestIdFilter.HEADER, requestId);
				}
				headers.set(OtpHeaders.VERIFICATION, token);
				headers.add("X-Forwarded-For", otp.clientIp());
			})
			.bodyValue(otp.request().body())
			.retrieve()
			.onStatus(status -> true, response -> Mono.empty())
			.toEntityFlux(DataBuffer.class);
		return this.circuitBreaker.run(call).flatMap(response -> ServerResponse.status(response.getStatusCode())
			.headers(headers -> copyEndToEnd(response.getHeaders(), headers))
			.body(BodyInserters.fromDataBuffers((response.getBody() != null) ? response.getBody() : Flux.empty())));
	}

	private static ServerHttpRequest originalRequest(ServerWebExchange exchange) {
		return exchange.getRequest();
	}

	private static void copyEndToEnd(HttpHeaders from, HttpHeaders to) {
		from.forEach((name, values) -> {
			if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))
					&& !OtpHeaders.VERIFICATION.equalsIgnoreCase(name)) {
				to.addAll(name, values);
			}
		});
	}

}
