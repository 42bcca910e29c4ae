package kz.cvety.edge;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.json.JsonCompareMode;
import org.springframework.web.reactive.function.client.WebClient;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi;
import kz.cvety.edge.support.RedisContents;
import kz.cvety.edge.support.SmsSink;
import kz.cvety.edge.support.SmsSink.Sms;
import kz.cvety.otp.store.OtpHasher;
import kz.cvety.otp.store.OtpKeys;
import kz.cvety.otp.testing.HttpStub.Reply;

import static kz.cvety.edge.support.OtpApi.REQUEST_OTP;
import static kz.cvety.edge.support.OtpApi.expectProblem;
import static kz.cvety.edge.support.OtpApi.otherCode;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OTP flow over HTTP on one real gateway: request a code, read it from the SMS provider's webhook, verify
 * it, check the token; used, replaced and cross-phone codes; concurrent verifies; an SMS provider that fails
 * after taking the message; test numbers; what Redis holds afterwards. Every test uses its own phone. The per-IP
 * send limit is raised because every request comes from 127.0.0.1; the limits themselves are tested elsewhere.
 */
class OtpFlowIT {

	static final String TEST_NUMBER = "+77010000001";

	static final JsonMapper JSON = JsonMapper.builder().build();

	static SmsSink sms;

	static GatewayInstance gateway;

	static OtpApi api;

	static RedisContents redis;

	@BeforeAll
	static void start() {
		sms = new SmsSink();
		gateway = GatewayInstance.start(sms.url(), Map.of("cvety.otp.limits.send-per-ip", "1000/1m",
				"cvety.otp.test-numbers[" + TEST_NUMBER + "]", "111111"));
		api = new OtpApi(gateway);
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

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = { "87011110001|+77011110001", "8 (701) 111-00-02|+77011110002",
			"+7 701 111 00 03|+77011110003", "77011110004|+77011110004", "+7-701-111-00-05|+77011110005",
			"+77011110006|+77011110006" })
	void requestOtpNormalizesThePhoneToE164(String sent, String e164) {
		api.requestOtp(sent)
			.expectStatus().isOk()
			.expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
			.expectBody()
			.json("{\"status\":\"sent\",\"phone\":\"" + e164 + "\",\"expires_in\":300}", JsonCompareMode.STRICT);

		assertThat(sms.messages()).extracting(Sms::phone).containsExactly(e164);
	}

	@Test
	void codeFromTheSmsVerifiesAndGivesASignedVerificationToken() {
		String phone = "+77021234567";
		api.requestOtp("8 702 123 45 67").expectStatus().isOk();

		assertThat(sms.messages()).hasSize(1);
		Sms message = sms.messages().get(0);
		assertThat(message.phone()).isEqualTo(phone);
		assertThat(message.code()).matches("[0-9]{6}");
		assertThat(message.text()).contains("Cvety.kz").contains(message.code());

		JsonNode verified = read(api.verifyOtp("+7 702 123-45-67", message.code())
			.expectStatus().isOk()
			.expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
			.expectBody(String.class).returnResult().getResponseBody());
		assertThat(verified.propertyNames()).containsExactly("status", "phone", "verification_token");
		assertThat(verified.get("status").asString()).isEqualTo("verified");
		assertThat(verified.get("phone").asString()).isEqualTo(phone);
		OtpApi.checkToken(verified.get("verification_token").asString(), phone);
	}

	@Test
	void eachVerificationGetsItsOwnTokenId() {
		String phone = "+77021234568";
		List<String> ids = new ArrayList<>();
		for (int i = 0; i < 2; i++) {
			api.requestOtp(phone).expectStatus().isOk();
			String token = read(api.verifyOtp(phone, sms.lastCode(phone)).expectStatus().isOk()
				.expectBody(String.class).returnResult().getResponseBody()).get("verification_token").asString();
			ids.add(OtpApi.checkToken(token, phone).getJWTID());
		}
		assertThat(ids).doesNotHaveDuplicates();
	}

	@Test
	void usedCodeIsRefusedAsExpired() {
		String phone = "+77051234567";
		api.requestOtp(phone).expectStatus().isOk();
		String code = sms.lastCode(phone);
		api.verifyOtp(phone, code).expectStatus().isOk();

		expectProblem(api.verifyOtp(phone, code), 401, "otp_expired");
		expectProblem(api.verifyOtp(phone, code), 401, "otp_expired");
	}

	@Test
	void newCodeReplacesTheOldOneAndResetsTheAttempts() {
		String phone = "+77071234567";
		api.requestOtp(phone).expectStatus().isOk();
		String first = sms.lastCode(phone);
		expectProblem(api.verifyOtp(phone, otherCode(first)), 401, "otp_invalid")
			.jsonPath("$.attempts_remaining").isEqualTo(2);
		expectProblem(api.verifyOtp(phone, otherCode(first)), 401, "otp_invalid")
			.jsonPath("$.attempts_remaining").isEqualTo(1);

		api.requestOtp(phone).expectStatus().isOk();
		String second = sms.lastCode(phone);
		assertThat(sms.count()).isEqualTo(2);

		// Were the attempt count not reset, this would be the last attempt (0 left) or refused outright.
		expectProblem(api.verifyOtp(phone, first.equals(second) ? otherCode(second) : first), 401, "otp_invalid")
			.jsonPath("$.attempts_remaining").isEqualTo(2);
		api.verifyOtp(phone, second).expectStatus().isOk();
		expectProblem(api.verifyOtp(phone, first), 401, "otp_expired");
	}

	@Test
	void codeForOnePhoneIsRefusedForAnother() {
		String phoneA = "+77081234567";
		String phoneB = "+77471234567";
		api.requestOtp(phoneA).expectStatus().isOk();
		String codeA = sms.lastCode(phoneA);

		expectProblem(api.verifyOtp(phoneB, codeA), 401, "otp_expired");

		api.requestOtp(phoneB).expectStatus().isOk();
		String codeB = sms.lastCode(phoneB);
		expectProblem(api.verifyOtp(phoneB, codeA.equals(codeB) ? otherCode(codeB) : codeA), 401, "otp_invalid");

		api.verifyOtp(phoneA, codeA).expectStatus().isOk();
		api.verifyOtp(phoneB, codeB).expectStatus().isOk();
	}

	@Test
	void concurrentVerifiesWithTheCorrectCodeSucceedExactlyOnce() {
		String phone = "+77711234567";
		api.requestOtp(phone).expectStatus().isOk();
		String body = OtpApi.json("phone", phone, "otp_code", sms.lastCode(phone));

		List<Answer> answers = concurrently(20, i -> body);

		assertThat(answers).filteredOn(answer -> answer.status() == 200).hasSize(1);
		assertThat(answers).filteredOn(answer -> answer.status() != 200)
			.hasSize(19)
			.allSatisfy(answer -> assertThat(answer.status()).isIn(401, 429))
			.allSatisfy(answer -> assertThat(answer.code()).isIn("otp_expired", "otp_attempts_exhausted", "verify_locked"));
		expectProblem(api.verifyOtp(phone, sms.lastCode(phone)), 401, "otp_expired");

		// Nothing failed, so the burst cost the customer no part of the failed-verification budget.
		api.requestOtp(phone).expectStatus().isOk();
		api.verifyOtp(phone, sms.lastCode(phone)).expectStatus().isOk();
	}

	@Test
	void burstOfWrongGuessesGetsMaxAttemptsAndLeavesTheStoreAvailable() {
		String phone = "+77751234567";
		api.requestOtp(phone).expectStatus().isOk();
		String code = sms.lastCode(phone);
		List<String> guesses = new ArrayList<>();
		for (int i = 0; guesses.size() < 100; i++) {
			String guess = String.format("%06d", i);
			if (!guess.equals(code)) {
				guesses.add(guess);
			}
		}

		List<Answer> answers = concurrently(100, i -> OtpApi.json("phone", phone, "otp_code", guesses.get(i)));

		assertThat(answers).filteredOn(answer -> answer.status() == 401)
			.hasSize(3)
			.allSatisfy(answer -> assertThat(answer.code()).isEqualTo("otp_invalid"));
		// A burst on one phone is the client's doing: it must not look like (or trip the circuit of) a Redis outage.
		assertThat(answers).filteredOn(answer -> answer.status() != 401)
			.allSatisfy(answer -> assertThat(answer.status()).isEqualTo(429))
			.allSatisfy(answer -> assertThat(answer.code()).isIn("otp_attempts_exhausted", "verify_locked"));
		api.verifyOtp(phone, code).expectStatus().isEqualTo(429);
		api.requestOtp("+77751234568").expectStatus().isOk();
	}

	@ParameterizedTest
	@CsvSource({ "500, +77761234567", "hang-up, +77771234567" })
	void unconfirmedSmsGivesServiceUnavailableAndItsCodeStillVerifies(String failure, String phone) {
		api.requestOtp(phone).expectStatus().isOk();
		String delivered = sms.lastCode(phone);
		sms.respond(request -> "500".equals(failure) ? Reply.json(500, "{\"error\":\"down\"}") : Reply.hangUp());

		String retryAfter = expectProblem(api.requestOtp(phone), 503, "sms_unavailable")
			.jsonPath("$.instance").isEqualTo(REQUEST_OTP)
			.jsonPath("$.detail").value(detail -> assertThat((String) detail).contains("may still arrive"))
			.returnResult()
			.getResponseHeaders()
			.getFirst("Retry-After");

		assertThat(Long.parseLong(retryAfter)).isPositive();
		// The provider saw the request once (no retry once it was sent) and may have delivered it: its code works.
		assertThat(sms.count()).isEqualTo(2);
		String unconfirmed = sms.lastCode(phone);
		sms.reset();
		if (!delivered.equals(unconfirmed)) {
			expectProblem(api.verifyOtp(phone, delivered), 401, "otp_invalid");
		}
		api.verifyOtp(phone, unconfirmed).expectStatus().isOk();
		expectProblem(api.verifyOtp(phone, unconfirmed), 401, "otp_expired");
	}

	@Test
	void testNumberGetsItsFixedCodeAndNoSms() {
		api.requestOtp(TEST_NUMBER)
			.expectStatus().isOk()
			.expectBody().json("{\"status\":\"sent\",\"phone\":\"" + TEST_NUMBER + "\",\"expires_in\":300}",
					JsonCompareMode.STRICT);

		String token = read(api.verifyOtp(TEST_NUMBER, "111111").expectStatus().isOk()
			.expectBody(String.class).returnResult().getResponseBody()).get("verification_token").asString();

		OtpApi.checkToken(token, TEST_NUMBER);
		assertThat(sms.count()).isZero();
		expectProblem(api.verifyOtp(TEST_NUMBER, "111111"), 401, "otp_expired");
	}

	@Test
	void redisHoldsNeitherCodesNorPhoneNumbersAndEveryKeyExpires() {
		String phone = "+77781234567";
		api.requestOtp(phone).expectStatus().isOk();
		String code = sms.lastCode(phone);
		expectProblem(api.verifyOtp(phone, otherCode(code)), 401, "otp_invalid");

		Map<String, String> dump = redis.dump(gateway.keyPrefix());

		String codeKey = new OtpKeys(gateway.keyPrefix(), new OtpHasher(GatewayInstance.HASH_SECRET)).code(phone);
		assertThat(dump).containsKey(codeKey);
		assertThat(redis.pttl(codeKey)).isBetween(290_000L, 300_000L);
		dump.forEach((key, value) -> {
			assertThat(key).doesNotContain("7781234567");
			assertThat(value).as(key).doesNotContain(code).doesNotContain("7781234567");
			assertThat(redis.pttl(key)).as("TTL of " + key).isPositive();
		});
	}

	private static List<Answer> concurrently(int requests, IntFunction<String> body) {
		WebClient client = WebClient.builder()
			.baseUrl(gateway.url())
			.clientConnector(new ReactorClientHttpConnector(HttpClient.create(ConnectionProvider.newConnection())))
			.build();
		return Flux.range(0, requests)
			.flatMap(i -> client.post()
				.uri(OtpApi.VERIFY_OTP)
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(body.apply(i))
				.exchangeToMono(response -> response.bodyToMono(String.class)
					.defaultIfEmpty("{}")
					.map(text -> new Answer(response.statusCode().value(), read(text).path("code").asString()))), requests)
			.collectList()
			.block(Duration.ofSeconds(30));
	}

	private static JsonNode read(String json) {
		return JSON.readTree(json);
	}

	private record Answer(int status, String code) {
	}

}
