package kz.cvety.otp.web;

import java.util.ArrayList;
import java.util.List;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import kz.cvety.otp.OtpHeaders;

/**
 * Removes any client-sent {@value OtpHeaders#VERIFICATION} header before routing, under any spelling a CGI-style
 * server reads as the same name ({@code X_Otp_Verification}, any case), so only the edge itself can vouch for a
 * verified phone. A web filter rather than a route filter: it must hold for every request, also those no route
 * matches, whatever ops write in the route list.
 */
public final class VerificationHeaderStripFilter implements WebFilter, Ordered {

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		List<String> forged = null;
		for (String name : exchange.getRequest().getHeaders().headerNames()) {
			if (BackendHeadersFilter.isVerificationHeader(name)) {
				forged = (forged != null) ? forged : new ArrayList<>(1);
				forged.add(name);
			}
		}
		if (forged == null) {
			return chain.filter(exchange);
		}
		List<String> remove = forged;
		return chain.filter(exchange.mutate()
			.request(request -> request.headers(headers -> remove.forEach(headers::remove)))
			.build());
	}

}
