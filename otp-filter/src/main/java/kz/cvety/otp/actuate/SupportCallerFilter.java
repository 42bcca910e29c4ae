package kz.cvety.otp.actuate;

import java.util.function.Function;
import java.util.function.Supplier;

import reactor.core.publisher.Mono;
import reactor.util.context.Context;

import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Puts the {@link SupportCaller} of requests to the support endpoint into their Reactor context; every other
 * request passes untouched.
 */
public final class SupportCallerFilter implements WebFilter, Ordered {

	private final Supplier<String> endpointPath;

	private final Function<ServerWebExchange, SupportCaller> callers;

	/**
	 * @param endpointPath the endpoint's path within the application, e.g. {@code /actuator/otp}
	 * @param callers the caller of an exchange
	 */
	public SupportCallerFilter(Supplier<String> endpointPath, Function<ServerWebExchange, SupportCaller> callers) {
		this.endpointPath = endpointPath;
		this.callers = callers;
	}

	@Override
	public int getOrder() {
		// After the request id is assigned.
		return Ordered.HIGHEST_PRECEDENCE + 10;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		String path = exchange.getRequest().getPath().pathWithinApplication().value();
		String endpoint = this.endpointPath.get();
		if (!path.startsWith(endpoint) || (path.length() > endpoint.length() && path.charAt(endpoint.length()) != '/')) {
			return chain.filter(exchange);
		}
		return chain.filter(exchange).contextWrite(Context.of(SupportCaller.class, this.callers.apply(exchange)));
	}

}
