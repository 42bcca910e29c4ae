package kz.cvety.otp.web;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import kz.cvety.otp.OtpHeaders;

/**
 * Removes any client-sent {@value OtpHeaders#VERIFICATION} header before routing, so only the edge itself can
 * vouch for a verified phone. A web filter rather than a route filter: it must hold for every request, also
 * those no route matches, whatever ops write in the route list.
 */
public final class VerificationHeaderStripFilter implements WebFilter, Ordered {

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		if (!exchange.getRequest().getHeaders().containsHeader(OtpHeaders.VERIFICATION)) {
			return chain.filter(exchange);
		}
		return chain.filter(exchange.mutate()
			.request(request -> request.headers(headers -> headers.remove(OtpHeaders.VERIFICATION)))
			.build());
	}

}
