package kz.cvety.edge.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The OTP endpoints as a client calls them, on real gateways: the JDK client, so a burst really is concurrent on
 * the wire; answers are checked with {@link ProblemAssert}. Also the bodies, codes and token checks OTP tests share.
 */
public final class OtpApi {

	/** Public path of request-otp. */
	public static final String REQUEST_OTP = "/api/auth/request-otp";

	/** Public path of verify-otp. */
	public static final String VERIFY_OTP = "/api/auth/verify-otp";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final HttpClient CLIENT = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	private static final String[] OPERATORS = { "700", "701", "702", "705", "707", "708", "747", "771", "775", "776",
			"777", "778" };

	private static boolean jvmWarm;

	private static final AtomicLong SUBSCRIBERS = new AtomicLong(ThreadLocalRandom.current().nextLong(1_000_000, 8_000_000));

	private OtpApi() {
	}

	/**
	 * A valid Kazakh mobile number no other call of this JVM returns. Consecutive calls land in different number
	 * ranges (operator, then the first three subscriber digits), as real customers do, so that tests of other
	 * limits never meet {@code send-per-prefix}: a range comes round again only every 12,000 calls.
	 */
	public static String newPhone() {
		long subscriber = SUBSCRIBERS.incrementAndGet() % 10_000_000;
		String operator = OPERATORS[(int) (subscriber % OPERATORS.length)];
		long rest = subscriber / OPERATORS.length;
		return String.format("+7%s%03d%04d", operator, rest % 1000, rest / 1000);
	}

	public static Answer requestOtp(String baseUrl, String phone) {
		return requestOtp(baseUrl, phone, Map.of());
	}

	public static Answer requestOtp(String baseUrl, String phone, Map<String, String> headers) {
		return join(requestOtpAsync(baseUrl, phone, headers));
	}

	public static CompletableFuture<Answer> requestOtpAsync(String baseUrl, String phone, Map<String, String> headers) {
		return requestOtpAsync(baseUrl, phone, List.copyOf(headers.entrySet()));
	}

	/** A send with header lines in the given order; a name given twice is sent as two lines. */
	public static Answer requestOtp(String baseUrl, String phone, List<Map.Entry<String, String>> headerLines) {
		return join(requestOtpAsync(baseUrl, phone, headerLines));
	}

	public static CompletableFuture<Answer> requestOtpAsync(String baseUrl, String phone,
			List<Map.Entry<String, String>> headerLines) {
		return post(baseUrl + REQUEST_OTP, json("phone", phone), headerLines);
	}

	public static Answer verify(String baseUrl, String phone, String code) {
		return join(verifyAsync(baseUrl, phone, code));
	}

	public static CompletableFuture<Answer> verifyAsync(String baseUrl, String phone, String code) {
		return verifyAsync(baseUrl, phone, code, Map.of());
	}

	/** A verification with extra headers, e.g. {@code X-Forwarded-For} to pose as a client. */
	public static Answer verify(String baseUrl, String phone, String code, Map<String, String> headers) {
		return join(verifyAsync(baseUrl, phone, code, headers));
	}

	public static CompletableFuture<Answer> verifyAsync(String baseUrl, String phone, String code,
			Map<String, String> headers) {
		return post(baseUrl + VERIFY_OTP, json("phone", phone, "otp_code", code), headers);
	}

	public static Answer post(String url, String body) {
		return join(post(url, body, Map.of()));
	}

	public static Answer get(String url) {
		return send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).GET().build());
	}

	/** A request exactly as the test built it, e.g. a POST without Content-Type. */
	public static Answer send(HttpRequest request) {
		return join(sendAsync(request));
	}

	/** A JSON object of the given name/value pairs, in order. */
	public static String json(Object... namesAndValues) {
		Map<String, Object> object = new LinkedHashMap<>();
		for (int i = 0; i < namesAndValues.length; i += 2) {
			object.put((String) namesAndValues[i], namesAndValues[i + 1]);
		}
		return JSON.writeValueAsString(object);
	}

	/** The header a trusted proxy adds, so that a request comes from client {@code ip}. */
	public static Map<String, String> forwardedFor(String ip) {
		return Map.of("X-Forwarded-For", ip);
	}

	/** A code of the same length that differs from {@code code} in every digit. */
	public static String wrongCode(String code) {
		StringBuilder other = new StringBuilder();
		for (char digit : code.toCharArray()) {
			other.append((char) ('0' + (digit - '0' + 1) % 10));
		}
		return other.toString();
	}

	/** A code of the same length that is not {@code code}. */
	public static String otherCode(String code) {
		StringBuilder other = new StringBuilder(code);
		other.setCharAt(0, (char) ('0' + ((code.charAt(0) - '0' + 1) % 10)));
		return other.toString();
	}

	/**
	 * Checks {@code token} as the backend must: an HS256 JWT signed with {@link GatewayInstance#TOKEN_SECRET}
	 * for {@code phone}, issued just now, valid five minutes, with a {@code jti} and {@code amr=["otp"]}.
	 * @return its claims
	 */
	public static JWTClaimsSet checkToken(String token, String phone) {
		try {
			SignedJWT jwt = SignedJWT.parse(token);
			assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.HS256);
			assertThat(jwt.verify(new MACVerifier(GatewayInstance.TOKEN_SECRET.getBytes(StandardCharsets.UTF_8))))
				.as("signature under the token secret")
				.isTrue();
			JWTClaimsSet claims = jwt.getJWTClaimsSet();
			assertThat(claims.getSubject()).isEqualTo(phone);
			Instant issuedAt = claims.getIssueTime().toInstant();
			assertThat(issuedAt).isBetween(Instant.now().minusSeconds(30), Instant.now().plusSeconds(5));
			assertThat(claims.getExpirationTime().toInstant()).isEqualTo(issuedAt.plusSeconds(300));
			assertThat(claims.getJWTID()).isNotBlank();
			assertThat(claims.getStringListClaim("amr")).containsExactly("otp");
			return claims;
		}
		catch (ParseException | JOSEException ex) {
			throw new AssertionError("not a valid verification token: " + token, ex);
		}
	}

	/** Starts {@code count} requests at once and waits for all answers, in the order they were started. */
	public static List<Answer> concurrently(int count, IntFunction<CompletableFuture<Answer>> request) {
		List<CompletableFuture<Answer>> calls = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			calls.add(request.apply(i));
		}
		return calls.stream().map(OtpApi::join).toList();
	}

	/**
	 * Once per test JVM, runs a throwaway gateway through sends, guesses and a burst, so the first gateway of a
	 * test class does not pay for class loading and JIT inside the 500 ms Redis command timeout (its first
	 * request would get a 503 on a busy two-core machine).
	 */
	public static synchronized void warmUpJvm() {
		if (jvmWarm) {
			return;
		}
		try (SmsSink sms = new SmsSink();
				GatewayInstance gateway = GatewayInstance.start(sms.url(), Map.of("cvety.otp.trusted-proxy-hops", "1"))) {
			warmUp(gateway.url(), 10, Map.of("X-Forwarded-For", "10.255.0.1"));
			String phone = newPhone();
			concurrently(20, i -> requestOtpAsync(gateway.url(), phone, Map.of("X-Forwarded-For", "10.255.0." + i)));
			concurrently(20, i -> verifyAsync(gateway.url(), phone, "000000"));
		}
		jvmWarm = true;
	}

	/**
	 * Warms up a fresh gateway so the JIT has compiled the request path before a test measures a burst: on a
	 * busy two-core machine a cold gateway can miss the Redis command timeout and open its circuit. Sends codes
	 * to {@code sends} new phones as {@code client} (a token of each send limit apiece) and guesses each once,
	 * then waits until a concurrent round of verifications for phones without codes gets no 503.
	 */
	public static void warmUp(String baseUrl, int sends, Map<String, String> client) {
		for (int i = 0; i < sends; i++) {
			String phone = newPhone();
			requestOtp(baseUrl, phone, client);
			verify(baseUrl, phone, "000000");
		}
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(500))
			.until(() -> concurrently(20, i -> verifyAsync(baseUrl, newPhone(), "000000")).stream()
				.allMatch(answer -> answer.status() == 401));
	}

	private static CompletableFuture<Answer> post(String url, String body, Map<String, String> headers) {
		return post(url, body, List.copyOf(headers.entrySet()));
	}

	private static CompletableFuture<Answer> post(String url, String body, List<Map.Entry<String, String>> headerLines) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
			.timeout(Duration.ofSeconds(20))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body));
		headerLines.forEach(line -> request.header(line.getKey(), line.getValue()));
		return sendAsync(request.build());
	}

	private static CompletableFuture<Answer> sendAsync(HttpRequest request) {
		long started = System.nanoTime();
		return CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofString())
			.thenApply(response -> new Answer(response.statusCode(), response.headers(), parse(response.body()),
					Duration.ofNanos(System.nanoTime() - started)));
	}

	private static JsonNode parse(String body) {
		return body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
	}

	private static Answer join(CompletableFuture<Answer> call) {
		try {
			return call.join();
		}
		catch (RuntimeException ex) {
			if (ex.getCause() instanceof IOException io) {
				throw new UncheckedIOException(io);
			}
			throw ex;
		}
	}

	/** One answer: status, headers, JSON body and how long it took. */
	public record Answer(int status, HttpHeaders headers, JsonNode body, Duration took) implements HttpAnswer {

		@Override
		public JsonNode json() {
			return this.body;
		}

		/** The problem's machine-readable {@code code}, or empty for a success. */
		public String code() {
			return this.body.path("code").asString("");
		}

		/** The limit a {@code rate_limited} answer names. */
		public String limit() {
			return this.body.path("limit").asString("");
		}

		@Override
		public String header(String name) {
			return this.headers.firstValue(name).orElse(null);
		}

		/** {@code Retry-After} in seconds; fails when absent. */
		public long retryAfter() {
			String value = header("Retry-After");
			if (value == null) {
				throw new AssertionError("no Retry-After on " + this);
			}
			return Long.parseLong(value);
		}

		public boolean hasRateLimitHeaders() {
			return header("RateLimit-Limit") != null && header("RateLimit-Remaining") != null
					&& header("RateLimit-Reset") != null;
		}

		@Override
		public String toString() {
			return this.status + " " + this.body + " " + this.headers.map();
		}

	}

}
