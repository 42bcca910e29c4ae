package kz.cvety.otp.web;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.util.UriUtils;

/**
 * Makes sure no spelling of an OTP path slips past the admission filter to the backend (whose own OTP
 * endpoints once accepted any code). A path that is not in canonical form (double slashes, dot segments,
 * matrix parameters, backslashes, encoded slashes or dots, control characters) is refused with 400; a path
 * that decodes, case-folded, to an OTP endpoint but is not spelled exactly like it is refused with 404. Only
 * the exact OTP paths reach their routes.
 */
public final class PathGuardFilter implements WebFilter, Ordered {

	private static final Set<String> OTP_PATHS = Set.of(OtpRoutes.REQUEST_OTP, OtpRoutes.VERIFY_OTP);

	private static final Pattern NOT_CANONICAL = Pattern.compile(
			"//|/\\./|/\\.\\./|/\\.$|/\\.\\.$|;|\\\\|%2[fF]|%2[eE]|%5[cC]|%00|%3[bB]|[\\x00-\\x1f\\x7f]");

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE + 2;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		String raw = exchange.getRequest().getURI().getRawPath();
		if (raw == null || raw.isEmpty()) {
			return chain.filter(exchange);
		}
		if (NOT_CANONICAL.matcher(raw).find()) {
			return Mono.error(ProblemException
				.of(ProblemCode.MALFORMED_REQUEST, "The request path is not in canonical form.")
				.build());
		}
		String exact = stripTrailingSlash(raw);
		if (!OTP_PATHS.contains(exact) && OTP_PATHS.contains(canonical(raw))) {
			return Mono.error(ProblemException.of(ProblemCode.NOT_FOUND, "No route for this path.").build());
		}
		return chain.filter(exchange);
	}

	private static String canonical(String raw) {
		String decoded;
		try {
			decoded = UriUtils.decode(raw, StandardCharsets.UTF_8);
		}
		catch (IllegalArgumentException ex) {
			decoded = raw;
		}
		return stripTrailingSlash(decoded.toLowerCase(Locale.ROOT).trim());
	}

	private static String stripTrailingSlash(String path) {
		return (path.length() > 1 && path.endsWith("/")) ? path.substring(0, path.length() - 1) : path;
	}

}
