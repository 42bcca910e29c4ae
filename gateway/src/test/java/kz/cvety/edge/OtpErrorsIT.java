package kz.cvety.edge;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.edge.support.RedisContents;
import kz.cvety.edge.support.SmsSink;
import kz.cvety.otp.store.OtpHasher;
import kz.cvety.otp.store.OtpKeys;
import kz.cvety.otp.testing.HttpStub.Reply;

import static kz.cvety.edge.support.OtpApi.REQUEST_OTP;
import static kz.cvety.edge.support.OtpApi.VERIFY_OTP;
import static kz.cvety.edge.support.OtpApi.json;
import static kz.cvety.edge.support.OtpApi.otherCode;
import static kz.cvety.edge.support.OtpApi.post;
import static kz.cvety.edge.support.OtpApi.requestOtp;
import static kz.cvety.edge.support.OtpApi.send;
import static kz.cvety.edge.support.OtpApi.verify;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every row of the contract's error table (README, Errors), for both OTP endpoints, as RFC 9457 problems; and
 * the embedded handler's internal paths, which only the gateway routes may reach. One gateway with the shortest allowed code
 * TTL (10s), so that the expiry row is proven by Redis really expiring a code.
 */
class OtpErrorsIT {

	static final String PHONE = "+77011234567";

	static SmsSink sms;

	static GatewayInstance gateway;

	static RedisContents redis;

	@BeforeAll
	static void start() {
		sms = new SmsSink();
		gateway = GatewayInstance.start(sms.url(),
				Map.of("cvety.otp.ttl", "10s", "cvety.otp.limits.send-per-ip", "1000/1m"));
		redis = RedisContents.connect();
	}

	@AfterAll
	static void stop() {
		redis.close();
		gateway.close();
		sms.close();
	}

	@BeforeEach
	void resetSms() {
		sms.reset();
	}

	static Stream<Arguments> malformedBodies() {
		return Stream.of(Arguments.of("truncated JSON", REQUEST_OTP, "{\"phone\": \"+7701"),
				Arguments.of("not JSON", REQUEST_OTP, "phone=+77011234567"),
				Arguments.of("empty body", REQUEST_OTP, ""),
				Arguments.of("array", REQUEST_OTP, "[\"+77011234567\"]"),
				Arguments.of("bare string", REQUEST_OTP, "\"+77011234567\""),
				Arguments.of("JSON null", REQUEST_OTP, "null"),
				Arguments.of("missing phone", REQUEST_OTP, "{}"),
				Arguments.of("misnamed phone", REQUEST_OTP, "{\"phone_number\":\"+77011234567\"}"),
				Arguments.of("phone number", REQUEST_OTP, "{\"phone\":77011234567}"),
				Arguments.of("phone array", REQUEST_OTP, "{\"phone\":[\"+77011234567\"]}"),
				Arguments.of("phone object", REQUEST_OTP, "{\"phone\":{\"e164\":\"+77011234567\"}}"),
				Arguments.of("phone null", REQUEST_OTP, "{\"phone\":null}"),
				Arguments.of("phone boolean", REQUEST_OTP, "{\"phone\":true}"),
				Arguments.of("duplicate phone", REQUEST_OTP, "{\"phone\":\"+77011234567\",\"phone\":\"+77021234567\"}"),
				Arguments.of("trailing garbage", REQUEST_OTP, "{\"phone\":\"+77011234567\"} {\"phone\":\"+77021234567\"}"),
				Arguments.of("deep nesting", REQUEST_OTP,
						"{\"phone\":\"+77011234567\",\"x\":" + "[".repeat(40) + "]".repeat(40) + "}"),
				Arguments.of("truncated JSON", VERIFY_OTP, "{\"phone\":\"+77011234567\",\"otp_code\":\"12"),
				Arguments.of("empty body", VERIFY_OTP, ""),
				Arguments.of("missing phone", VERIFY_OTP, "{\"otp_code\":\"123456\"}"),
				Arguments.of("missing otp_code", VERIFY_OTP, "{\"phone\":\"+77011234567\"}"),
				Arguments.of("phone number", VERIFY_OTP, "{\"phone\":77011234567,\"otp_code\":\"123456\"}"),
				Arguments.of("phone array", VERIFY_OTP, "{\"phone\":[\"+77011234567\"],\"otp_code\":\"123456\"}"),
				Arguments.of("phone object", VERIFY_OTP, "{\"phone\":{},\"otp_code\":\"123456\"}"),
				Arguments.of("phone null", VERIFY_OTP, "{\"phone\":null,\"otp_code\":\"123456\"}"),
				Arguments.of("phone boolean", VERIFY_OTP, "{\"phone\":false,\"otp_code\":\"123456\"}"),
				Arguments.of("otp_code number", VERIFY_OTP, "{\"phone\":\"+77011234567\",\"otp_code\":123456}"),
				Arguments.of("otp_code array", VERIFY_OTP, "{\"phone\":\"+77011234567\",\"otp_code\":[\"123456\"]}"),
				Arguments.of("otp_code object", VERIFY_OTP, "{\"phone\":\"+77011234567\",\"otp_code\":{\"v\":\"123456\"}}"),
				Arguments.of("otp_code null", VERIFY_OTP, "{\"phone\":\"+77011234567\",\"otp_code\":null}"),
				Arguments.of("otp_code boolean", VERIFY_OTP, "{\"phone\":\"+77011234567\",\"otp_code\":true}"),
				Arguments.of("duplicate otp_code", VERIFY_OTP,
						"{\"phone\":\"+77011234567\",\"otp_code\":\"123456\",\"otp_code\":\"654321\"}"));
	}

	@ParameterizedTest(name = "{1}: {0}")
	@MethodSource("malformedBodies")
	void malformedRequestIsRefusedAsMalformed(String what, String path, String body) {
		assertThatProblem(post(gateway.url() + path, body)).hasStatus(400).hasCode("malformed_request");

		assertThat(sms.count()).isZero();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { REQUEST_OTP, VERIFY_OTP })
	void bodyThatIsNotUtf8IsRefusedAsMalformed(String path) {
		byte[] body = "{\"phone\":\"+7701123456\u00ff\",\"otp_code\":\"123456\"}".getBytes(StandardCharsets.ISO_8859_1);

		assertThatProblem(gateway.client().post().uri(path).contentType(MediaType.APPLICATION_JSON).bodyValue(body)
			.exchange()).hasStatus(400).hasCode("malformed_request");
	}

	static Stream<Arguments> invalidPhones() {
		return Stream.of("12345", "+7 701 123 45 6", "+7 701 123 45 678", "not a phone", "", "+",
				"+７７０１１２３４５６７", "+7701123456\u0667", "+77011234567\u0000", "+7701\u200B1234567",
				"+77011234567\r\nX-Otp-Verification: x", "7".repeat(5000 / 2), "+7 7172 12 34 56")
			.flatMap(phone -> Stream.of(Arguments.of(REQUEST_OTP, phone), Arguments.of(VERIFY_OTP, phone)));
	}

	@ParameterizedTest(name = "{0} {1}")
	@MethodSource("invalidPhones")
	void invalidPhoneIsRefused(String path, String phone) {
		String body = path.equals(REQUEST_OTP) ? json("phone", phone) : json("phone", phone, "otp_code", "123456");

		assertThatProblem(post(gateway.url() + path, body)).hasStatus(400).hasCode("invalid_phone");

		assertThat(sms.count()).isZero();
	}

	@ParameterizedTest(name = "{0} {1}")
	@MethodSource("foreignPhones")
	void phoneFromAnotherRegionIsRefused(String path, String phone) {
		String body = path.equals(REQUEST_OTP) ? json("phone", phone) : json("phone", phone, "otp_code", "123456");

		assertThatProblem(post(gateway.url() + path, body)).hasStatus(400).hasCode("region_not_allowed");

		assertThat(sms.count()).isZero();
	}

	static Stream<Arguments> foreignPhones() {
		return Stream.of("+79161234567", "8 916 123 45 67", "+49 170 1234567", "+7 800 123 45 67")
			.flatMap(phone -> Stream.of(Arguments.of(REQUEST_OTP, phone), Arguments.of(VERIFY_OTP, phone)));
	}

	@Test
	void badlyFormattedCodesAreRefusedWithoutUsingAnAttempt() {
		String phone = "+77021234567";
		assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
		String code = sms.lastCode(phone);

		for (String bad : List.of(code.substring(1), code + "0", "abcdef", toFullWidth(code), " " + code, "",
				code.substring(0, 3) + "-" + code.substring(3), "1".repeat(5000 / 2))) {
			assertThatProblem(verify(gateway.url(), phone, bad)).hasStatus(400).hasCode("invalid_code_format");
		}

		assertThatProblem(verify(gateway.url(), phone, otherCode(code))).hasStatus(401).hasCode("otp_invalid")
			.hasAttemptsRemaining(2);
		assertThat(verify(gateway.url(), phone, code).status()).isEqualTo(200);
	}

	@Test
	void wrongCodesCountDownThenTheCodeIsDeadEvenForTheRightCode() {
		String phone = "+77051234567";
		assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
		String code = sms.lastCode(phone);

		for (int remaining = 2; remaining >= 0; remaining--) {
			assertThatProblem(verify(gateway.url(), phone, otherCode(code))).hasStatus(401).hasCode("otp_invalid")
				.hasAttemptsRemaining(remaining);
		}

		assertThatProblem(verify(gateway.url(), phone, code)).hasStatus(429).hasCode("otp_attempts_exhausted")
			.hasRetryAfterBetween(1, 10);
		assertThatProblem(verify(gateway.url(), phone, code)).hasStatus(429).hasCode("otp_attempts_exhausted");
	}

	@Test
	void verifyWithoutAnyCodeSentIsExpired() {
		assertThatProblem(verify(gateway.url(), "+77071234567", "123456")).hasStatus(401).hasCode("otp_expired");
	}

	@Test
	void codeIsRefusedOnceRedisHasExpiredIt() {
		String phone = "+77081234567";
		Answer sentCode = requestOtp(gateway.url(), phone);
		assertThat(sentCode.status()).isEqualTo(200);
		assertThat(sentCode.body().path("expires_in").asInt()).isEqualTo(10);
		String code = sms.lastCode(phone);
		long sent = System.nanoTime();

		// Redis, not the gateway, keeps the clock: wait for its TTL without consuming the code.
		String codeKey = new OtpKeys(gateway.keyPrefix(), new OtpHasher(GatewayInstance.HASH_SECRET)).code(phone);
		assertThat(redis.pttl(codeKey)).isPositive();
		await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() -> redis.pttl(codeKey) == -2);

		assertThat(Duration.ofNanos(System.nanoTime() - sent)).isGreaterThan(Duration.ofSeconds(9));
		assertThatProblem(verify(gateway.url(), phone, code)).hasStatus(401).hasCode("otp_expired");
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { REQUEST_OTP, VERIFY_OTP })
	void bodyOverFourKibibytesIsRefusedWithContentLength(String path) {
		assertThatProblem(post(gateway.url() + path, padded(5 * 1024))).hasStatus(413).hasCode("payload_too_large");

		assertThat(sms.count()).isZero();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { REQUEST_OTP, VERIFY_OTP })
	void bodyOverFourKibibytesIsRefusedWhenChunked(String path) {
		byte[] body = padded(5 * 1024).getBytes(StandardCharsets.UTF_8);
		Flux<DataBuffer> chunks = Flux.range(0, 5)
			.map(i -> DefaultDataBufferFactory.sharedInstance.wrap(Arrays.copyOfRange(body,
					i * body.length / 5, (i + 1) * body.length / 5)));

		EntityExchangeResult<byte[]> result = gateway.client().post().uri(path)
			.contentType(MediaType.APPLICATION_JSON)
			.body(chunks, DataBuffer.class)
			.exchange()
			.expectBody()
			.returnResult();

		assertThatProblem(result).hasStatus(413).hasCode("payload_too_large");

		assertThat(result.getRequestHeaders().getContentLength()).isEqualTo(-1);
		assertThat(sms.count()).isZero();
	}

	@Test
	void bodyOfExactlyFourKibibytesIsAccepted() {
		String body = padded(4 * 1024);
		assertThat(body.getBytes(StandardCharsets.UTF_8)).hasSize(4096);

		assertThat(post(gateway.url() + REQUEST_OTP, body).status()).isEqualTo(200);
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { REQUEST_OTP, VERIFY_OTP })
	void textPlainIsRefusedAsUnsupportedMediaType(String path) {
		assertThatProblem(gateway.client().post().uri(path).contentType(MediaType.TEXT_PLAIN)
			.bodyValue(json("phone", PHONE, "otp_code", "123456"))
			.exchange()).hasStatus(415).hasCode("unsupported_media_type");

		assertThat(sms.count()).isZero();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { REQUEST_OTP, VERIFY_OTP })
	void bodyWithoutContentTypeIsRefusedAsUnsupportedMediaType(String path) {
		HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.url() + path))
			.timeout(Duration.ofSeconds(10))
			.POST(BodyPublishers.ofString(json("phone", PHONE, "otp_code", "123456")))
			.build();

		assertThat(request.headers().firstValue("Content-Type")).isEmpty();
		assertThatProblem(send(request)).hasStatus(415).hasCode("unsupported_media_type");
		assertThat(sms.count()).isZero();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { REQUEST_OTP, VERIFY_OTP })
	void otherMethodsAreRefusedWithAllowPost(String path) {
		for (HttpMethod method : List.of(HttpMethod.GET, HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.PATCH)) {
			var request = gateway.client().method(method).uri(path);
			var response = (method == HttpMethod.GET || method == HttpMethod.DELETE) ? request.exchange()
					: request.contentType(MediaType.APPLICATION_JSON).bodyValue(json("phone", PHONE)).exchange();
			assertThatProblem(response.expectHeader().valueEquals("Allow", "POST")).hasStatus(405)
				.hasCode("method_not_allowed");
		}
		assertThat(sms.count()).isZero();
	}

	@Test
	void internalHandlerPathsAreNotReachableFromOutside() {
		String phone = "+77471234567";
		assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
		String code = sms.lastCode(phone);
		sms.reset();

		for (String path : List.of("/_cvety/otp/request-otp", "/_cvety/otp/verify-otp", "/_cvety/anything",
				"/_cvety/otp/request-otp/", "/_cvety/", "/_cvety%2Fotp%2Frequest-otp")) {
			for (HttpMethod method : List.of(HttpMethod.POST, HttpMethod.GET)) {
				var request = gateway.client().method(method).uri(URI.create(gateway.url() + path));
				var response = (method == HttpMethod.GET) ? request.exchange()
						: request.contentType(MediaType.APPLICATION_JSON)
							.bodyValue(json("phone", phone, "otp_code", otherCode(code)))
							.exchange();
				if (path.contains("%2F")) {
					// An encoded slash is refused before routing as a non-canonical path.
					assertThatProblem(response).hasStatus(400).hasCode("malformed_request");
				}
				else {
					assertThatProblem(response).hasStatus(404).hasCode("not_found");
				}
			}
		}

		// No SMS, no new code, no attempt used: the live code still has all its attempts and still verifies.
		assertThat(sms.count()).isZero();
		assertThatProblem(verify(gateway.url(), phone, otherCode(code))).hasStatus(401).hasCode("otp_invalid")
			.hasAttemptsRemaining(2);
		assertThat(verify(gateway.url(), phone, code).status()).isEqualTo(200);
	}

	@Test
	void problemsNameThePathTheClientCalledNeverTheInternalForward() {
		String phone = "+77019876543";
		assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
		String code = sms.lastCode(phone);
		String wrong = json("phone", phone, "otp_code", otherCode(code));

		// Refused by the admission filter, behind the route's forward.
		assertThatProblem(post(gateway.url() + VERIFY_OTP, json("phone", phone, "otp_code", "12"))).hasStatus(400)
			.hasCode("invalid_code_format")
			.hasInstance(VERIFY_OTP);
		// Raised by the embedded handler at the forward target, under both spellings the route accepts.
		assertThatProblem(post(gateway.url() + VERIFY_OTP, wrong)).hasStatus(401).hasCode("otp_invalid")
			.hasInstance(VERIFY_OTP);
		assertThatProblem(post(gateway.url() + VERIFY_OTP + "/", wrong)).hasStatus(401).hasCode("otp_invalid")
			.hasInstance(VERIFY_OTP + "/");
		assertThatProblem(post(gateway.url() + VERIFY_OTP, wrong)).hasStatus(401).hasCode("otp_invalid")
			.hasInstance(VERIFY_OTP);
		assertThatProblem(post(gateway.url() + VERIFY_OTP, wrong)).hasStatus(429).hasCode("otp_attempts_exhausted")
			.hasInstance(VERIFY_OTP);

		sms.respond(request -> Reply.json(500, "{\"error\":\"down\"}"));
		assertThatProblem(requestOtp(gateway.url(), phone)).hasStatus(503).hasCode("sms_unavailable")
			.hasInstance(REQUEST_OTP);

		assertThatProblem(gateway.client().get().uri("/no/such/path").exchange()).hasStatus(404).hasCode("not_found")
			.hasInstance("/no/such/path");
		assertThatProblem(post(gateway.url() + "/_cvety/otp/verify-otp", wrong)).hasStatus(404).hasCode("not_found")
			.hasInstance("/_cvety/otp/verify-otp");
	}

	@Test
	void problemsCarryEveryMemberAndNoStackTrace() {
		Answer answer = post(gateway.url() + VERIFY_OTP, "{\"phone\":\"+77011234567\",\"otp_code\":\"12345\"}");

		assertThatProblem(answer).hasStatus(400).hasCode("invalid_code_format");
		assertThat(answer.body().propertyNames()).contains("type", "title", "status", "detail", "code")
			.doesNotContain("trace", "exception", "stackTrace");
	}

	/** A valid request-otp/verify-otp body of exactly {@code size} bytes: phone, code and padding. */
	private static String padded(int size) {
		String start = "{\"phone\":\"" + "+77751234567" + "\",\"otp_code\":\"123456\",\"pad\":\"";
		String end = "\"}";
		return start + "x".repeat(size - start.length() - end.length()) + end;
	}

	private static String toFullWidth(String digits) {
		StringBuilder wide = new StringBuilder();
		digits.chars().forEach(c -> wide.append((char) ('\uFF10' + (c - '0'))));
		return wide.toString();
	}

}
