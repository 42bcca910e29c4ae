package kz.cvety.otp.web;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Gives every request an {@value #HEADER}: the caller's if it is a sane token, else a new UUID. The id goes back
 * to the client on the answer and into the OTP decision log, and to the backend with the proxied request
 * ({@link RequestIdHeadersFilter}) and the verification hand-off, so one login can be followed across the edge
 * and the backend. The request itself is left as it came: rebuilding it for every request would cost each one a
 * copy of its headers, also the many that the edge answers itself and never forwards.
 */
public final class RequestIdFilter implements WebFilter, Ordered {

	/** The request id header. */
	public static final String HEADER = "X-Request-Id";

	/** Exchange attribute holding the request id. */
	public static final String ATTRIBUTE = RequestIdFilter.class.getName() + ".id";

	// Anything else (over-long, control characters, separators) is replaced rather than logged or forwarded.
	private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE + 1;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		String given = exchange.getRequest().getHeaders().getFirst(HEADER);
		String id = (given != null && SANE.matcher(given).matches()) ? given : newId();
		exchange.getAttributes().put(ATTRIBUTE, id);
		exchange.getResponse().getHeaders().set(HEADER, id);
		return chain.filter(exchange);
	}

	// A random (version 4) UUID from ThreadLocalRandom: an id needs no secrecy, and UUID.randomUUID() makes
	// every request queue for one shared SecureRandom.
	private static String newId() {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		long most = (random.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L;
		long least = (random.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
		return new UUID(most, least).toString();
	}

	/** The request id of {@code exchange}, if this filter ran. */
	public static @Nullable String of(ServerWebExchange exchange) {
		return exchange.getAttribute(ATTRIBUTE);
	}

}
