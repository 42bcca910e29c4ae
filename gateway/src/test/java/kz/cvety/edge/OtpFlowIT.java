package kz.cvety.edge;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.MediaType;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.edge.support.RedisContents;
import kz.cvety.edge.support.SmsSink;
import kz.cvety.edge.support.SmsSink.Sms;
import kz.cvety.otp.store.OtpHasher;
import kz.cvety.otp.store.OtpKeys;
import kz.cvety.otp.testing.HttpStub.Reply;

import static kz.cvety.edge.support.OtpApi.REQUEST_OTP;
import static kz.cvety.edge.support.OtpApi.checkToken;
import static kz.cvety.edge.support.OtpApi.concurrently;
import static kz.cvety.edge.support.OtpApi.otherCode;
import static kz.cvety.edge.support.OtpApi.requestOtp;
import static kz.cvety.edge.support.OtpApi.verify;
import static kz.cvety.edge.support.OtpApi.verifyAsync;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
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

	static RedisContents redis;

	@BeforeAll
	static void start() {
		sms = new SmsSink();
		gateway = GatewayInstance.start(sms.url(), Map.of("cvety.otp.limits.send-per-ip", "1000/1m",
				"cvety.otp.test-numbers[" + TEST_NUMBER + "]", "111111"));
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
		Answer answer = requestOtp(gateway.url(), sent);

		assertThat(answer.status()).isEqualTo(200);
		assertThat(MediaType.parseMediaType(answer.header("Content-Type")).isCompatibleWith(MediaType.APPLICATION_JSON)).isTrue();
		assertThat(answer.body()).isEqualTo(JSON.readTree("{\"status\":\"sent\",\"phone\":\"" + e164 + "\",\"expires_in\":300}"));

		assertThat(sms.messages()).extracting(Sms::phone).containsExactly(e164);
	}

	@Test
	void codeFromTheSmsVerifiesAndGivesASignedVerificationToken() {
		String phone = "+77021234567";
		assertThat(requestOtp(gateway.url(), "8 702 123 45 67").status()).isEqualTo(200);

		assertThat(sms.messages()).hasSize(1);
		Sms message = sms.messages().get(0);
		assertThat(message.phone()).isEqualTo(phone);
		assertThat(message.code()).matches("[0-9]{6}");
		assertThat(message.text()).contains("Cvety.kz").contains(message.code());

		Answer answer = verify(gateway.url(), "+7 702 123-45-67", message.code());
		assertThat(answer.status()).isEqualTo(200);
		assertThat(MediaType.parseMediaType(answer.header("Content-Type")).isCompatibleWith(MediaType.APPLICATION_JSON)).isTrue();
		JsonNode verified = answer.body();
		assertThat(verified.propertyNames()).containsExactly("status", "phone", "verification_token");
		assertThat(verified.get("status").asString()).isEqualTo("verified");
		assertThat(verified.get("phone").asString()).isEqualTo(phone);
		checkToken(verified.get("verification_token").asString(), phone);
	}

	@Test
	void eachVerificationGetsItsOwnTokenId() {
		String phone = "+77021234568";
		List<String> ids = new ArrayList<>();
		for (int i = 0; i < 2; i++) {
			assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
			Answer verified = verify(gateway.url(), phone, sms.lastCode(phone));
			assertThat(verified.status()).isEqualTo(200);
			ids.add(checkToken(verified.body().get("verification_token").asString(), phone).getJWTID());
		}
		assertThat(ids).doesNotHaveDuplicates();
	}

	@Test
	void usedCodeIsRefusedAsExpired() {
		String phone = "+77051234567";
		assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
		String code = sms.lastCode(phone);
		assertThat(verify(gateway.url(), phone, code).status()).isEqualTo(200);

		assertThatProblem(verify(gateway.url(), phone, code)).hasStatus(401).hasCode("otp_expired");
		assertThatProblem(verify(gateway.url(), phone, code)).hasStatus(401).hasCode("otp_expired");
	}

	@Test
	void newCodeReplacesTheOldOneAndResetsTheAttempts() {
		String phone = "+77071234567";
		assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
		String first = sms.lastCode(phone);
		assertThatProblem(verify(gateway.url(), phone, otherCode(first))).hasStatus(401).hasCode("otp_invalid")
			.hasAttemptsRemaining(2);
		assertThatProblem(verify(gateway.url(), phone, otherCode(first))).hasStatus(401).hasCode("otp_invalid")
			.hasAttemptsRemaining(1);

		assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
		String second = sms.lastCode(phone);
		assertThat(sms.count()).isEqualTo(2);

		// Were the attempt count not reset, this would be the last attempt (0 left) or refused outright.
		assertThatProblem(verify(gateway.url(), phone, first.equals(second) ? otherCode(second) : first)).hasStatus(401)
			.hasCode("otp_invalid")
			.hasAttemptsRemaining(2);
		assertThat(verify(gateway.url(), phone, second).status()).isEqualTo(200);
		assertThatProblem(verify(gateway.url(), phone, first)).hasStatus(401).hasCode("otp_expired");
	}

	@Test
	void codeForOnePhoneIsRefusedForAnother() {
		String phoneA = "+77081234567";
		String phoneB = "+77471234567";
		assertThat(requestOtp(gateway.url(), phoneA).status()).isEqualTo(200);
		String codeA = sms.lastCode(phoneA);

		assertThatProblem(verify(gateway.url(), phoneB, codeA)).hasStatus(401).hasCode("otp_expired");

		assertThat(requestOtp(gateway.url(), phoneB).status()).isEqualTo(200);
		String codeB = sms.lastCode(phoneB);
		assertThatProblem(verify(gateway.url(), phoneB, codeA.equals(codeB) ? otherCode(codeB) : codeA)).hasStatus(401)
			.hasCode("otp_invalid");

		assertThat(verify(gateway.url(), phoneA, codeA).status()).isEqualTo(200);
		assertThat(verify(gateway.url(), phoneB, codeB).status()).isEqualTo(200);
	}

	@Test
	void concurrentVerifiesWithTheCorrectCodeSucceedExactlyOnce() {
		String phone = "+77711234567";
		assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
		String code = sms.lastCode(phone);

		List<Answer> answers = concurrently(20, i -> verifyAsync(gateway.url(), phone, code));

		assertThat(answers).filteredOn(answer -> answer.status() == 200).hasSize(1);
		assertThat(answers).filteredOn(answer -> answer.status() != 200)
			.hasSize(19)
			.allSatisfy(answer -> assertThat(answer.status()).isIn(401, 429))
			.allSatisfy(answer -> assertThat(answer.code()).isIn("otp_expired", "otp_attempts_exhausted", "verify_locked"));
		assertThatProblem(verify(gateway.url(), phone, sms.lastCode(phone))).hasStatus(401).hasCode("otp_expired");

		// Nothing failed, so the burst cost the customer no part of the failed-verification budget.
		assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
		assertThat(verify(gateway.url(), phone, sms.lastCode(phone)).status()).isEqualTo(200);
	}

	@Test
	void burstOfWrongGuessesGetsMaxAttemptsAndLeavesTheStoreAvailable() {
		String phone = "+77751234567";
		assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
		String code = sms.lastCode(phone);
		List<String> guesses = new ArrayList<>();
		for (int i = 0; guesses.size() < 100; i++) {
			String guess = String.format("%06d", i);
			if (!guess.equals(code)) {
				guesses.add(guess);
			}
		}

		List<Answer> answers = concurrently(100, i -> verifyAsync(gateway.url(), phone, guesses.get(i)));

		assertThat(answers).filteredOn(answer -> answer.status() == 401)
			.hasSize(3)
			.allSatisfy(answer -> assertThat(answer.code()).isEqualTo("otp_invalid"));
		// A burst on one phone is the client's doing: it must not look like (or trip the circuit of) a Redis outage.
		assertThat(answers).filteredOn(answer -> answer.status() != 401)
			.allSatisfy(answer -> assertThat(answer.status()).isEqualTo(429))
			.allSatisfy(answer -> assertThat(answer.code()).isIn("otp_attempts_exhausted", "verify_locked"));
		assertThat(verify(gateway.url(), phone, code).status()).isEqualTo(429);
		assertThat(requestOtp(gateway.url(), "+77751234568").status()).isEqualTo(200);
	}

	@ParameterizedTest
	@CsvSource({ "500, +77761234567", "hang-up, +77771234567" })
	void unconfirmedSmsGivesServiceUnavailableAndItsCodeStillVerifies(String failure, String phone) {
		assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
		String delivered = sms.lastCode(phone);
		sms.respond(request -> "500".equals(failure) ? Reply.json(500, "{\"error\":\"down\"}") : Reply.hangUp());

		Answer unavailable = requestOtp(gateway.url(), phone);

		assertThatProblem(unavailable).hasStatus(503).hasCode("sms_unavailable").hasInstance(REQUEST_OTP).hasRetryAfter();
		assertThat(unavailable.body().path("detail").asString()).contains("may still arrive");
		// The provider saw the request once (no retry once it was sent) and may have delivered it: its code works.
		assertThat(sms.count()).isEqualTo(2);
		String unconfirmed = sms.lastCode(phone);
		sms.reset();
		if (!delivered.equals(unconfirmed)) {
			assertThatProblem(verify(gateway.url(), phone, delivered)).hasStatus(401).hasCode("otp_invalid");
		}
		assertThat(verify(gateway.url(), phone, unconfirmed).status()).isEqualTo(200);
		assertThatProblem(verify(gateway.url(), phone, unconfirmed)).hasStatus(401).hasCode("otp_expired");
	}

	@Test
	void testNumberGetsItsFixedCodeAndNoSms() {
		Answer sent = requestOtp(gateway.url(), TEST_NUMBER);
		assertThat(sent.status()).isEqualTo(200);
		assertThat(sent.body())
			.isEqualTo(JSON.readTree("{\"status\":\"sent\",\"phone\":\"" + TEST_NUMBER + "\",\"expires_in\":300}"));

		Answer verified = verify(gateway.url(), TEST_NUMBER, "111111");
		assertThat(verified.status()).isEqualTo(200);

		checkToken(verified.body().get("verification_token").asString(), TEST_NUMBER);
		assertThat(sms.count()).isZero();
		assertThatProblem(verify(gateway.url(), TEST_NUMBER, "111111")).hasStatus(401).hasCode("otp_expired");
	}

	@Test
	void redisHoldsNeitherCodesNorPhoneNumbersAndEveryKeyExpires() {
		String phone = "+77781234567";
		assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
		String code = sms.lastCode(phone);
		assertThatProblem(verify(gateway.url(), phone, otherCode(code))).hasStatus(401).hasCode("otp_invalid");

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

}
