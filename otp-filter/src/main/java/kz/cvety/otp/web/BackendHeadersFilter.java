package kz.cvety.otp.web;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

import kz.cvety.otp.OtpHeaders;
import kz.cvety.otp.client.ClientIpResolver;

/**
 * Headers the backend reads as the edge's word about a request: what the client sent under those names is
 * removed, and {@code X-Forwarded-For} carries one value, the client address the limits resolved. A name counts
 * as one of them after ignoring case and reading {@code _} as {@code -}, because CGI and WSGI servers (and some
 * proxies) hand {@code X_Forwarded_For} and {@code X-Forwarded-For} to the application as the same variable.
 * Applied to every proxied request and to the verification hand-off.
 */
public final class BackendHeadersFilter implements HttpHeadersFilter, Ordered {

	/**
	 * Names, normalized, that only the edge may send. {@code X-Forwarded-Host}, {@code -Proto}, {@code -Port} and
	 * {@code -Prefix} are left to Spring Cloud Gateway's own header filters, which run before this one; their
	 * look-alikes with {@code _} are removed here.
	 */
	private static final Set<String> EDGE_OWNED = Set.of(normalize(OtpHeaders.VERIFICATION), "x-forwarded-for",
			"forwarded", "x-real-ip");

	private static final Set<String> LOOK_ALIKES_ONLY = Set.of("x-forwarded-host", "x-forwarded-proto",
			"x-forwarded-port", "x-forwarded-prefix");

	private final Function<ServerWebExchange, String> clientAddress;

	/**
	 * @param clientAddress the client's address as the limits resolve it
	 */
	public BackendHeadersFilter(Function<ServerWebExchange, String> clientAddress) {
		this.clientAddress = clientAddress;
	}

	@Override
	public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
		HttpHeaders output = withoutClientCopies(input);
		// Exactly one entry, never what the client claimed.
		output.set(ClientIpResolver.X_FORWARDED_FOR, this.clientAddress.apply(exchange));
		return output;
	}

	/** A copy of {@code input} without any header the edge owns, under any spelling. */
	public static HttpHeaders withoutClientCopies(HttpHeaders input) {
		List<String> owned = new ArrayList<>();
		for (String name : input.headerNames()) {
			if (isEdgeOwned(name)) {
				owned.add(name);
			}
		}
		HttpHeaders output = HttpHeaders.copyOf(input);
		owned.forEach(output::remove);
		return output;
	}

	/**
	 * True when {@code name} is, or reads as, a header only the edge may send (for the SCG-managed
	 * {@code X-Forwarded-*} names, only their {@code _} look-alikes).
	 */
	public static boolean isEdgeOwned(String name) {
		String normalized = normalize(name);
		if (EDGE_OWNED.contains(normalized)) {
			return true;
		}
		return LOOK_ALIKES_ONLY.contains(normalized) && name.indexOf('_') >= 0;
	}

	/** True when {@code name} reads as {@value OtpHeaders#VERIFICATION} to a CGI-style server. */
	public static boolean isVerificationHeader(String name) {
		return name.length() == OtpHeaders.VERIFICATION.length()
				&& normalize(name).equals(normalize(OtpHeaders.VERIFICATION));
	}

	private static String normalize(String name) {
		return name.toLowerCase(Locale.ROOT).replace('_', '-');
	}

	@Override
	public boolean supports(Type type) {
		return type == Type.REQUEST;
	}

	/** After Spring Cloud Gateway's forwarded-header filters, so the value set here is the one sent. */
	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE - 10;
	}

}
