package kz.cvety.otp.web;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;

/**
 * Records the URL a client called before a {@code forward:} route replaces its path, in the attribute where
 * Spring Cloud Gateway's own path-rewriting filters keep it, so problem answers name the path the client called.
 */
public final class OriginalRequestUrlFilter implements GlobalFilter, Ordered {

	/** Just before Spring Cloud Gateway's {@code ForwardPathFilter} (order 0), which sets the forward path. */
	public static final int ORDER = -1;

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
		if (route != null && "forward".equals(route.getUri().getScheme())) {
			ServerWebExchangeUtils.addOriginalRequestUrl(exchange, exchange.getRequest().getURI());
		}
		return chain.filter(exchange);
	}

}
