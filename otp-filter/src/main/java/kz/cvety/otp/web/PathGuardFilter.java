package kz.cvety.otp.web;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;

import org.springframework.core.Ordered;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;
import kz.cvety.otp.support.NativeRequests;

/**
 * Makes sure no spelling of an OTP path slips past the admission filter to the backend (whose own OTP
 * endpoints once accepted any code). A path that is not in canonical form (double slashes, dot segments,
 * matrix parameters, backslashes, encoded slashes or dots, control characters, percent-encoded bytes that are
 * not UTF-8) is refused with 400; a path that a lenient server would read as an OTP endpoint (decoded, also
 * twice, NFKC-folded, case-folded, without invisible characters or trailing dots and spaces) but is not
 * spelled exactly like it is refused with 404. Only the exact OTP paths reach their routes. A request target
 * that is neither a path (origin-form, "/...") nor an absolute http(s) URI with a plain host is refused with 400
 * as well: the server would read a path out of it anyway ({@code x/api/auth/verify-otp} became
 * {@code /api/auth/verify-otp}), so the path checked here would not be the path the client wrote.
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
		String target = rawTarget(exchange.getRequest());
		if (target != null && !isWellFormedTarget(target, exchange.getRequest().getMethod())) {
			return Mono.error(ProblemException
				.of(ProblemCode.MALFORMED_REQUEST, "The request target must be a path starting with '/'.")
				.build());
		}
		String raw = exchange.getRequest().getURI().getRawPath();
		if (raw == null || raw.isEmpty()) {
			return chain.filter(exchange);
		}
		boolean notCanonical = !surelyCanonical(raw) && NOT_CANONICAL.matcher(raw).find();
		String canonical = notCanonical ? null : canonical(raw);
		if (canonical == null) {
			return Mono.error(ProblemException
				.of(ProblemCode.MALFORMED_REQUEST, "The request path is not in canonical form.")
				.build());
		}
		String exact = stripTrailingSlash(raw);
		if (!OTP_PATHS.contains(exact) && OTP_PATHS.contains(canonical)) {
			return Mono.error(ProblemException.of(ProblemCode.NOT_FOUND, "No route for this path.").build());
		}
		return chain.filter(exchange);
	}

	/** The request target as the client sent it, where the server keeps it (Reactor Netty does); else null. */
	static @Nullable String rawTarget(ServerHttpRequest request) {
		return (NativeRequests.of(request) instanceof HttpServerRequest netty) ? netty.uri() : null;
	}

	/**
	 * Origin-form ({@code /path?query}), absolute-form with a plain host and no user info
	 * ({@code http://host/path}, which HTTP/1.1 servers must accept), or {@code *} for {@code OPTIONS}
	 * (RFC 9112, section 3.2).
	 */
	static boolean isWellFormedTarget(String target, HttpMethod method) {
		if (target.startsWith("/")) {
			return true;
		}
		if (target.equals("*")) {
			return HttpMethod.OPTIONS.equals(method);
		}
		if (!target.regionMatches(true, 0, "http://", 0, 7) && !target.regionMatches(true, 0, "https://", 0, 8)) {
			return false;
		}
		try {
			URI uri = new URI(target);
			return uri.getHost() != null && uri.getRawUserInfo() == null;
		}
		catch (URISyntaxException ex) {
			return false;
		}
	}

	/**
	 * True when {@link #NOT_CANONICAL} cannot match: no '/' followed by '/' or '.', and no ';', '\\', '%' or
	 * control character. One pass over the characters costs a fraction of running the pattern, which only the
	 * rare paths with one of these characters still need.
	 */
	static boolean surelyCanonical(String raw) {
		for (int i = 0; i < raw.length(); i++) {
			char c = raw.charAt(i);
			if (c == ';' || c == '\\' || c == '%' || c < 0x20 || c == 0x7f) {
				return false;
			}
			if (c == '/' && i + 1 < raw.length() && (raw.charAt(i + 1) == '/' || raw.charAt(i + 1) == '.')) {
				return false;
			}
		}
		return true;
	}

	/** Whether {@link #NOT_CANONICAL} finds something in {@code raw}; for tests of {@link #surelyCanonical}. */
	static boolean matchesNotCanonical(String raw) {
		return NOT_CANONICAL.matcher(raw).find();
	}

	/**
	 * The path as a lenient server might read it: percent-decoded (twice over, for double encoding), NFKC-folded
	 * (full-width '／' is '/'), lower case, without invisible format characters, and without trailing dots and
	 * spaces. Null when the percent-encoded bytes of the path are not UTF-8: overlong forms such as
	 * {@code %c0%af} are a slash to some decoders.
	 */
	private static @Nullable String canonical(String raw) {
		if (isPlainAscii(raw)) {
			// The common case, on every request: nothing to decode or fold.
			return trimTrailing(raw.toLowerCase(Locale.ROOT));
		}
		String decoded = percentDecode(raw);
		if (decoded == null) {
			return null;
		}
		// Folded before each further round: a full-width '％' is a '%' to a server that folds, then decodes.
		String folded = Normalizer.normalize(decoded, Normalizer.Form.NFKC);
		for (int round = 1; round < 3 && folded.indexOf('%') >= 0; round++) {
			String again = percentDecode(folded);
			if (again == null) {
				break;
			}
			folded = Normalizer.normalize(again, Normalizer.Form.NFKC);
		}
		folded = folded.toLowerCase(Locale.ROOT);
		StringBuilder visible = new StringBuilder(folded.length());
		folded.codePoints()
			.filter(cp -> Character.getType(cp) != Character.FORMAT)
			.forEach(visible::appendCodePoint);
		return trimTrailing(visible.toString());
	}

	/** Without trailing dots and spaces, trimmed, without a trailing slash. */
	private static String trimTrailing(CharSequence path) {
		int end = path.length();
		while (end > 1 && (path.charAt(end - 1) == '.' || Character.isWhitespace(path.charAt(end - 1))
				|| Character.isSpaceChar(path.charAt(end - 1)))) {
			end--;
		}
		return stripTrailingSlash(path.subSequence(0, end).toString().trim());
	}

	private static boolean isPlainAscii(String raw) {
		for (int i = 0; i < raw.length(); i++) {
			char c = raw.charAt(i);
			if (c == '%' || c < 0x21 || c > 0x7e) {
				return false;
			}
		}
		return true;
	}

	private static @Nullable String percentDecode(String path) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream(path.length());
		for (int i = 0; i < path.length(); i++) {
			char c = path.charAt(i);
			if (c == '%' && i + 2 < path.length() && HexFormat.isHexDigit(path.charAt(i + 1))
					&& HexFormat.isHexDigit(path.charAt(i + 2))) {
				bytes.write(HexFormat.fromHexDigits(path, i + 1, i + 3));
				i += 2;
			}
			else {
				// By code point: a character outside the BMP is two chars, and either alone encodes as '?'.
				int codePoint = path.codePointAt(i);
				bytes.writeBytes(Character.toString(codePoint).getBytes(StandardCharsets.UTF_8));
				i += Character.charCount(codePoint) - 1;
			}
		}
		return StrictUtf8.decode(bytes.toByteArray());
	}

	private static String stripTrailingSlash(String path) {
		return (path.length() > 1 && path.endsWith("/")) ? path.substring(0, path.length() - 1) : path;
	}

}
