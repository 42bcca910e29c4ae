package kz.cvety.edge.hostile;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.BeforeProperty;

import kz.cvety.edge.hostile.RawHttp.Request;
import kz.cvety.edge.hostile.RawHttp.Response;
import kz.cvety.otp.testing.HttpStub;

import static kz.cvety.edge.hostile.HostileGateway.CONTROL_PHONE;
import static kz.cvety.edge.hostile.HostileGateway.REQUEST_OTP;
import static kz.cvety.edge.hostile.HostileGateway.VERIFY_OTP;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile requests around a valid OTP body, against one real gateway over HTTP: wrong, missing and malformed
 * content types, spellings of the OTP paths that a lenient server would take for them (case, percent-encoding,
 * double slashes, dot segments, matrix parameters, trailing junk), and other methods. The body is one the
 * gateway would act on (a send for the control phone, or a wrong guess at its live code), so any request that
 * slipped past the admission filter would show: every one gets a 4xx problem, reaches no backend, changes
 * nothing in Redis and sends no SMS.
 */
class HostileRequestIT {

	static HttpStub backend;

	static HostileGateway edge;

	@BeforeContainer
	static void start() {
		backend = HttpStub.start();
		edge = HostileGateway.start(Map.of("cvety.backend-url", backend.url()));
	}

	@BeforeProperty
	void restoreControl() {
		edge.restoreIfChanged();
		backend.reset();
	}

	@AfterContainer
	static void stop() {
		try {
			edge.proveUntouchedAndClose(3);
		}
		finally {
			backend.close();
		}
	}

	@Property(tries = 300)
	void anyContentTypeButJsonIsRefused(@ForAll("notJson") String contentType, @ForAll boolean verify) {
		Request request = Request.post(verify ? VERIFY_OTP : REQUEST_OTP).body(body(verify));
		if (contentType != null) {
			request.header("Content-Type", contentType);
		}
		Response answer = edge.http.send(request);
		String input = request.describe() + " as " + contentType;
		if (contentType != null && contentType.chars().anyMatch(Character::isISOControl)) {
			// Reactor Netty's HTTP decoder refuses such a header line itself, before any filter: a bare 400.
			assertThat(answer.status()).as("status for %s: %s", input, answer).isEqualTo(400);
		}
		else {
			assertThatProblem(answer).as("%s", input).hasStatus(415).hasCode("unsupported_media_type");
		}
		assertNothingHappened(input);
	}

	@Property(tries = 300)
	void noOtherSpellingOfAnOtpPathSkipsTheFilter(@ForAll("pathVariants") String path, @ForAll boolean verify) {
		String target = route(path, verify);
		Response answer = edge.http.postJson(target, body(verify));
		assertThatProblem(answer).as("%s", "POST " + target).isClientError();
		assertNothingHappened("POST " + target);
	}

	@Example
	void aTargetThatIsNoPathIsRefusedWithTheTargetAsSentAsItsInstance() {
		Response answer = edge.http.postJson("%5Capi%2Fauth%5Cverify-otp?x=1", body(true));
		assertThatProblem(answer).hasStatus(400).hasCode("malformed_request").hasInstance("%5Capi%2Fauth%5Cverify-otp");
		assertNothingHappened("POST %5Capi%2Fauth%5Cverify-otp?x=1");
	}

	@Property(tries = 200, generation = GenerationMode.EXHAUSTIVE)
	void handPickedSpellingsOfAnOtpPathAreRefused(@ForAll("handPickedPaths") String path, @ForAll boolean verify) {
		String target = route(path, verify);
		Response answer = edge.http.postJson(target, body(verify));
		String input = "POST " + target;
		assertThat(answer.status()).as("status for %s: %s", input, answer).isBetween(400, 499);
		assertNothingHappened(input);
	}

	@Property(tries = 100, generation = GenerationMode.EXHAUSTIVE)
	void otherMethodsAreNotAllowed(@ForAll("methods") String method, @ForAll boolean verify) {
		Request request = Request.of(method, verify ? VERIFY_OTP : REQUEST_OTP)
			.header("Content-Type", "application/json")
			.header("X-HTTP-Method-Override", "POST")
			.body(body(verify));
		Response answer = edge.http.send(request);
		if (method.equals("HEAD")) {
			assertThat(answer.status()).as("status for %s", request.describe()).isEqualTo(405);
		}
		else {
			assertThatProblem(answer).as("%s", request.describe()).hasStatus(405).hasCode("method_not_allowed");
		}
		assertNothingHappened(request.describe());
	}

	@Provide
	Arbitrary<String> notJson() {
		Arbitrary<String> named = Arbitraries.of("text/json", "text/plain", "text/html", "text/xml", "application/xml",
				"application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8",
				"multipart/form-data; boundary=x", "multipart/form-data", "multipart/mixed; boundary=x",
				"application/octet-stream", "application/javascript", "application/x-json", "application/jsonp",
				"application/json5", "application/json-seq", "application/jsonl", "application/x-ndjson",
				"application/graphql", "text/json; charset=utf-8", "text/x-json", "application/vnd.api+xml",
				"application/json; charset=utf-16", "application/json;charset=UTF-16LE", "application/json; charset=utf-16be",
				"application/json; charset=\"utf-16\"", "application/json; charset=utf-32",
				"application/json; charset=iso-8859-1", "Application/JSON; charset=windows-1251",
				"application/json; charset=cp1251", "application/json; charset=us-ascii", "application/json; charset=bogus",
				"application/json; charset=", "application/json; charset=utf-7", "*/*", "application/*", "*/json",
				"json", "application", "application/", "/json", "application/json/x", "application/ json",
				"application /json", "application/js\u00f6n", "application/json\u0000", "application/json\u000b",
				"application/json; q=\"", "image/png", "audio/json", "", "null", "undefined");
		Arbitrary<String> random = Combinators
			.combine(Arbitraries.of("text", "application", "multipart", "image", "x-json", "video", "font"),
					Arbitraries.strings().withCharRange('a', 'z').withChars('-', '.').ofMinLength(1).ofMaxLength(12))
			.as((type, subtype) -> type + "/" + subtype)
			.filter(type -> !type.equals("application/json") && !type.endsWith("+json"));
		return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, named), net.jqwik.api.Tuple.of(2, random),
				net.jqwik.api.Tuple.of(1, Arbitraries.just((String) null)));
	}

	/** Paths with a {route} placeholder: spellings of /api/auth/{route} that are not the route itself. */
	@Provide
	Arbitrary<String> pathVariants() {
		Arbitrary<PathEdit> edit = Combinators
			.combine(Arbitraries.of(PathEdit.Kind.values()), Arbitraries.integers().between(0, 1000),
					Arbitraries.of(true, false))
			.as(PathEdit::new);
		Arbitrary<String> edited = edit.list().ofMinSize(1).ofMaxSize(3).map(edits -> {
			String path = "/api/auth/{route}";
			for (PathEdit e : edits) {
				path = e.applyTo(path);
			}
			return path;
		}).filter(path -> !path.equals("/api/auth/{route}") && !path.equals("/api/auth/{route}/"));
		Arbitrary<String> query = Arbitraries.of("", "", "?x=1", "?phone=%2B77015550123", "?", "?a=/api/auth/{route}");
		return Combinators.combine(edited, query).as((path, q) -> path + q);
	}

	@Provide
	Arbitrary<String> handPickedPaths() {
		List<String> paths = new ArrayList<>();
		for (String tail : List.of("/.", "/..", "%2e", "%2E", ".", "..", "%20", "%09", "%00", "%0a", "%0d", "%0d%0a",
				"//", "/%2f", "%2f", "%2F", "%5c", "%5C", ";", ";x=1", "/;", "%3b", "%3B", "/./", "/x/..", "/%2e",
				"/%2e%2e", "%c0%ae", "%c0%af", "%e0%80%ae", "%ef%bc%8f", "%u002e", "%%32%65", "%252e", "%C2%A0",
				"%E2%80%8B", "%E2%80%AE", "%EF%BB%BF")) {
			paths.add("/api/auth/{route}" + tail);
		}
		paths.addAll(List.of("//api/auth/{route}", "/api//auth/{route}", "/api/auth//{route}", "/./api/auth/{route}",
				"/api/./auth/{route}", "/api/x/../auth/{route}", "/api/auth/x/../{route}", "/api;x/auth/{route}",
				"/api/auth;x/{route}", "/API/AUTH/{route}", "/Api/Auth/{route}", "/api/auth/{ROUTE}", "/api/auth/{Route}",
				"/%61pi/auth/{route}", "/api/%61uth/{route}", "/api%2fauth%2f{route}", "/api%2Fauth/{route}",
				"/api/auth%2F{route}", "/api%5cauth%5c{route}", "/api/auth%c0%af{route}", "/api/auth%e0%80%af{route}",
				"/api/auth/{route}/%2e%2e/{route}", "/api/auth/{route}%2f%2e%2e%2f", "/api/auth/{route}/..;/",
				"/api/auth/{route}/.;/", "/api/auth/.;/{route}", "/api/auth/;/{route}",
				// Request targets that are not paths: the server would read /api/auth/{route} out of them.
				"%5C./api/auth/{route}", "%5c/api/auth/{route}", "x/api/auth/{route}", "api/auth/{route}",
				"http://localhost%5C./api/auth/{route}", "http://user@localhost/api/auth/{route}"));
		return Arbitraries.of(paths);
	}

	@Provide
	Arbitrary<String> methods() {
		return Arbitraries.of("GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "PROPFIND", "FOO");
	}

	/** Fills in the {route} placeholder, in the case it asks for. */
	private static String route(String path, boolean verify) {
		String route = verify ? "verify-otp" : "request-otp";
		return path.replace("{route}", route)
			.replace("{ROUTE}", route.toUpperCase(Locale.ROOT))
			.replace("{Route}", Character.toUpperCase(route.charAt(0)) + route.substring(1));
	}

	private static byte[] body(boolean verify) {
		return verify ? HostileGateway.body(CONTROL_PHONE, edge.wrongCode()) : HostileGateway.body(CONTROL_PHONE);
	}

	private static void assertNothingHappened(String input) {
		assertThat(backend.requests()).as("backend requests after %s", input).isEmpty();
		edge.assertUnchanged(input);
	}

	/** One edit a lenient server would undo: the path still means the same endpoint to it. */
	record PathEdit(Kind kind, int at, boolean upper) {

		enum Kind {

			UPPER_CASE, PERCENT_ENCODE, DOUBLE_SLASH, DOT_SEGMENT, PARENT_SEGMENT, MATRIX, BACKSLASH, TRAILING

		}

		String applyTo(String path) {
			int braceStart = path.indexOf('{');
			String route = path.substring(braceStart, path.indexOf('}') + 1);
			// Edits go around the {route} placeholder, so both endpoints get them.
			String head = path.substring(0, braceStart);
			String tail = path.substring(braceStart + route.length());
			switch (this.kind) {
				case UPPER_CASE -> {
					int i = letterIndex(head);
					return (i < 0) ? path : head.substring(0, i) + head.substring(i, i + 1).toUpperCase(Locale.ROOT)
							+ head.substring(i + 1) + route.replace("{route}", this.upper ? "{ROUTE}" : "{Route}") + tail;
				}
				case PERCENT_ENCODE -> {
					// Never the leading slash (the target would not be a path) nor a '%' (double encoding).
					int i = 1 + this.at % (head.length() - 1);
					if (head.charAt(i) == '%' || head.charAt(i - 1) == '%' || (i > 1 && head.charAt(i - 2) == '%')) {
						return path;
					}
					String hex = String.format(this.upper ? "%%%02X" : "%%%02x", (int) head.charAt(i));
					return head.substring(0, i) + hex + head.substring(i + 1) + route + tail;
				}
				case DOUBLE_SLASH -> {
					int i = slashIndex(head);
					return head.substring(0, i) + "/" + head.substring(i) + route + tail;
				}
				case DOT_SEGMENT -> {
					int i = slashIndex(head);
					return head.substring(0, i + 1) + "./" + head.substring(i + 1) + route + tail;
				}
				case PARENT_SEGMENT -> {
					int i = slashIndex(head);
					return head.substring(0, i + 1) + "x/../" + head.substring(i + 1) + route + tail;
				}
				case MATRIX -> {
					int i = slashIndex(head);
					return (i == 0) ? path + ";x=1" : head.substring(0, i) + ";x=1" + head.substring(i) + route + tail;
				}
				case BACKSLASH -> {
					int i = slashIndex(head);
					return head.substring(0, i) + (this.upper ? "%5C" : "%5c") + head.substring(i + 1) + route + tail;
				}
				default -> {
					List<String> tails = List.of("/.", "/..", "%2e", ".", "%20", "%09", "%00", "%0a", "//", "/%2f", ";",
							";x=1", "%3b", "/./", "/%2e");
					return path + tails.get(this.at % tails.size());
				}
			}
		}

		private int letterIndex(String head) {
			List<Integer> letters = new ArrayList<>();
			for (int i = 0; i < head.length(); i++) {
				if (Character.isLetter(head.charAt(i))) {
					letters.add(i);
				}
			}
			return letters.isEmpty() ? -1 : letters.get(this.at % letters.size());
		}

		private int slashIndex(String head) {
			List<Integer> slashes = new ArrayList<>();
			for (int i = 0; i < head.length(); i++) {
				if (head.charAt(i) == '/') {
					slashes.add(i);
				}
			}
			return slashes.get(this.at % slashes.size());
		}

	}

}
