package kz.cvety.edge;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpMethod;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import kz.cvety.edge.limits.BucketProbe;
import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi;
import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.edge.support.SmsSink;
import kz.cvety.otp.phone.PhoneMasker;
import kz.cvety.otp.store.OtpHasher;
import kz.cvety.otp.testing.TestRedis;

import static kz.cvety.edge.support.OtpApi.newPhone;
import static kz.cvety.edge.support.OtpApi.requestOtp;
import static kz.cvety.edge.support.OtpApi.wrongCode;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code otp} support endpoint on a real gateway (local profile, main port): it shows a phone's limits, code
 * and lock without changing them, and an unblock clears exactly that phone's code and per-phone buckets, so the
 * customer can log in again while their IP's and the fleet's budgets stay as they were. No answer ever carries
 * the code, its HMAC or the phone's key tag.
 */
@ExtendWith(OutputCaptureExtension.class)
class SupportEndpointIT {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final AtomicInteger CLIENTS = new AtomicInteger();

	static SmsSink sms;

	static GatewayInstance gateway;

	static BucketProbe probe;

	@BeforeAll
	static void start() {
		OtpApi.warmUpJvm();
		sms = new SmsSink();
		// The IP's and the global budget refill one token in 43 minutes, so "untouched" is an exact count.
		gateway = GatewayInstance.start(sms.url(),
				Map.of("cvety.otp.limits.send-per-phone", "3/1h", "cvety.otp.limits.verify-failures-per-phone", "4/1h",
						"cvety.otp.limits.send-per-ip", "30/30d", "cvety.otp.limits.send-global", "1000/30d",
						"cvety.otp.trusted-proxy-hops", "1"));
		probe = new BucketProbe(TestRedis.url(), gateway.keyPrefix());
	}

	@AfterAll
	static void stop() {
		probe.close();
		gateway.close();
		sms.close();
	}

	@Test
	void lookupBeforeAnythingShowsFullLimitsAndNoCode() {
		String phone = newPhone();
		// The customer's own spelling, as request-otp accepts it.
		String spelled = "8 " + phone.substring(2, 5) + " " + phone.substring(5, 8) + "-" + phone.substring(8);

		JsonNode answer = lookup(spelled);

		assertThat(answer.path("phone").asString()).isEqualTo(phone);
		assertThat(answer.path("limits")).hasSize(3);
		assertLimit(answer, 0, "send-per-phone", "3/1h", 3);
		assertLimit(answer, 1, "send-per-prefix", "30/1h", 30);
		assertLimit(answer, 2, "verify-failures-per-phone", "4/1h", 4);
		assertThat(answer.path("limits").get(1).path("shared").asBoolean()).as("the range is shared").isTrue();
		assertThat(answer.path("limits").get(0).path("shared").asBoolean()).isFalse();
		assertThat(answer.path("limits").get(0).path("reset_seconds").asLong()).isZero();
		assertThat(answer.path("code").path("live").asBoolean()).isFalse();
		assertThat(answer.path("code").path("attempts_used").asInt()).isZero();
		assertThat(answer.path("code").path("max_attempts").asInt()).isEqualTo(3);
		assertThat(answer.path("code").path("expires_in_seconds").asLong()).isZero();
		assertThat(answer.path("verification_locked").asBoolean()).isFalse();
		assertThat(answer.path("locked_for_seconds").asLong()).isZero();
		assertThat(probe.availableTokens(probe.keys().sendPerPhone(phone))).as("a lookup creates no bucket").isEmpty();
	}

	@Test
	void lookupAfterSendsAndWrongGuessesCountsWhatWasUsedAndChangesNothing() {
		String phone = newPhone();
		Map<String, String> client = newClient();
		assertThat(requestOtp(gateway.url(), phone, client).status()).isEqualTo(200);
		assertThat(requestOtp(gateway.url(), phone, client).status()).isEqualTo(200);
		String code = sms.lastCode(phone);
		assertThatProblem(OtpApi.verify(gateway.url(), phone, wrongCode(code))).hasStatus(401).hasCode("otp_invalid");
		assertThatProblem(OtpApi.verify(gateway.url(), phone, wrongCode(code))).hasStatus(401).hasCode("otp_invalid");

		EntityExchangeResult<byte[]> result = call(HttpMethod.GET, phone, Map.of());
		JsonNode answer = json(result);
		JsonNode again = lookup(phone);

		assertNoSecrets(result, phone, code);
		assertLimit(answer, 0, "send-per-phone", "3/1h", 1);
		assertThat(answer.path("limits").get(0).path("reset_seconds").asLong()).isBetween(2 * 1200L - 5, 2 * 1200L);
		assertLimit(answer, 2, "verify-failures-per-phone", "4/1h", 2);
		assertThat(answer.path("code").path("live").asBoolean()).isTrue();
		assertThat(answer.path("code").path("attempts_used").asInt()).isEqualTo(2);
		assertThat(answer.path("code").path("max_attempts").asInt()).isEqualTo(3);
		assertThat(answer.path("code").path("expires_in_seconds").asLong()).isBetween(280L, 300L);
		assertThat(answer.path("verification_locked").asBoolean()).isFalse();
		assertThat(again.path("limits")).as("a lookup takes no token").isEqualTo(answer.path("limits"));
		assertThat(again.path("code").path("attempts_used").asInt()).as("nor an attempt").isEqualTo(2);
		assertThat(OtpApi.verify(gateway.url(), phone, code).status()).as("the code still verifies").isEqualTo(200);
	}

	@Test
	void aPhoneOutOfCodesIsUnblockedWhileItsIpAndTheGlobalBudgetStayAsTheyWere(CapturedOutput output) {
		String phone = newPhone();
		Map<String, String> client = newClient();
		for (int i = 0; i < 3; i++) {
			assertThat(requestOtp(gateway.url(), phone, client).status()).isEqualTo(200);
		}
		Answer refused = requestOtp(gateway.url(), phone, client);
		assertThatProblem(refused).isRateLimitedBy("send-per-phone");
		String lastCode = sms.lastCode(phone);
		assertLimit(lookup(phone), 0, "send-per-phone", "3/1h", 0);
		String ip = client.get("X-Forwarded-For");
		long ipBefore = probe.availableTokens(probe.keys().sendPerIp(ip)).orElseThrow();
		long globalBefore = probe.availableTokens(probe.keys().sendGlobal()).orElseThrow();

		EntityExchangeResult<byte[]> result = call(HttpMethod.DELETE, phone,
				Map.of("X-Forwarded-For", "10.99.0.7", "X-Request-Id", "support-ticket-4711"));

		assertThat(result.getStatus().value()).isEqualTo(200);
		assertNoSecrets(result, phone, lastCode);
		assertThat(body(result)).isEqualTo("{\"phone\":\"" + phone + "\",\"cleared\":[\"code\",\"send-per-phone\"]}");
		assertThat(probe.availableTokens(probe.keys().sendPerIp(ip))).as("the IP's budget").contains(ipBefore);
		assertThat(probe.availableTokens(probe.keys().sendGlobal())).as("the global budget").contains(globalBefore);
		assertThat(output).contains("otp.support.unblock phone=" + PhoneMasker.mask(phone)
				+ " cleared=code,send-per-phone caller=10.99.0.7 request_id=support-ticket-4711");
		assertThat(output).doesNotContain(phone);
		JsonNode after = lookup(phone);
		assertLimit(after, 0, "send-per-phone", "3/1h", 3);
		assertThat(after.path("code").path("live").asBoolean()).isFalse();

		assertThat(requestOtp(gateway.url(), phone, client).status()).isEqualTo(200);
		assertThat(OtpApi.verify(gateway.url(), phone, sms.lastCode(phone)).status()).isEqualTo(200);
	}

	@Test
	void aLockedPhoneIsUnlockedAndItsCustomerVerifiesAgain(CapturedOutput output) {
		String phone = newPhone();
		Map<String, String> client = newClient();
		requestOtp(gateway.url(), phone, client);
		String first = sms.lastCode(phone);
		for (int i = 0; i < 3; i++) {
			assertThatProblem(OtpApi.verify(gateway.url(), phone, wrongCode(first))).hasStatus(401).hasCode("otp_invalid");
		}
		requestOtp(gateway.url(), phone, client);
		String second = sms.lastCode(phone);
		assertThatProblem(OtpApi.verify(gateway.url(), phone, wrongCode(second))).hasStatus(401).hasCode("otp_invalid");
		Answer locked = OtpApi.verify(gateway.url(), phone, second);
		assertThatProblem(locked).hasStatus(429).hasCode("verify_locked");
		// Refused once more from this instance's cache of refusals, which the unblock must forget too.
		assertThatProblem(OtpApi.verify(gateway.url(), phone, second)).hasStatus(429).hasCode("verify_locked");

		EntityExchangeResult<byte[]> lookedUp = call(HttpMethod.GET, phone, Map.of());
		JsonNode shown = json(lookedUp);
		assertNoSecrets(lookedUp, phone, second);
		assertThat(shown.path("verification_locked").asBoolean()).isTrue();
		assertThat(shown.path("locked_for_seconds").asLong()).isBetween(locked.retryAfter() - 5, locked.retryAfter());
		assertLimit(shown, 2, "verify-failures-per-phone", "4/1h", 0);
		assertThat(shown.path("code").path("attempts_used").asInt()).isEqualTo(2);

		EntityExchangeResult<byte[]> unblocked = call(HttpMethod.DELETE, phone, Map.of("X-Request-Id", "support-2"));

		assertNoSecrets(unblocked, phone, second);
		assertThat(json(unblocked).path("cleared").toString())
			.isEqualTo("[\"code\",\"send-per-phone\",\"verify-failures-per-phone\"]");
		assertThat(output).contains("cleared=code,send-per-phone,verify-failures-per-phone caller=127.0.0.1 "
				+ "request_id=support-2");
		JsonNode after = lookup(phone);
		assertThat(after.path("verification_locked").asBoolean()).isFalse();
		assertLimit(after, 2, "verify-failures-per-phone", "4/1h", 4);

		assertThat(requestOtp(gateway.url(), phone, client).status()).isEqualTo(200);
		assertThat(OtpApi.verify(gateway.url(), phone, sms.lastCode(phone)).status()).isEqualTo(200);
		assertThat(output).doesNotContain(phone);
	}

	@Test
	void anUnblockOfAPhoneWithNothingToClearClearsNothingAndIsStillAuditedAndCounted(CapturedOutput output) {
		String phone = newPhone();
		double before = unblocksCounted();

		EntityExchangeResult<byte[]> result = call(HttpMethod.DELETE, phone, Map.of("X-Request-Id", "support-3"));

		assertThat(body(result)).isEqualTo("{\"phone\":\"" + phone + "\",\"cleared\":[]}");
		assertThat(output).contains("otp.support.unblock phone=" + PhoneMasker.mask(phone) + " cleared=none");
		assertThat(unblocksCounted()).isEqualTo(before + 1);
	}

	@Test
	void anInvalidOrForeignPhoneIsAProblemAnswer() {
		for (HttpMethod method : new HttpMethod[] { HttpMethod.GET, HttpMethod.DELETE }) {
			EntityExchangeResult<byte[]> invalid = call(method, "12345", Map.of());
			assertThatProblem(invalid).hasStatus(400).hasCode("invalid_phone").hasInstance(invalid.getUrl().getRawPath());
			EntityExchangeResult<byte[]> foreign = call(method, "+79161234567", Map.of());
			assertThatProblem(foreign).hasStatus(400)
				.hasCode("region_not_allowed")
				.hasInstance(foreign.getUrl().getRawPath());
		}
	}

	private static void assertLimit(JsonNode answer, int index, String name, String limit, long remaining) {
		JsonNode entry = answer.path("limits").get(index);
		assertThat(entry.path("name").asString()).isEqualTo(name);
		assertThat(entry.path("limit").asString()).isEqualTo(limit);
		assertThat(entry.path("remaining").asLong()).as(name + " remaining").isEqualTo(remaining);
	}

	/** Neither the code, nor its HMAC, nor the phone's key tag. */
	private static void assertNoSecrets(EntityExchangeResult<byte[]> result, String phone, String code) {
		String keyTag = new OtpHasher(GatewayInstance.HASH_SECRET).keyTag(phone);
		String codeHash = new OtpHasher(GatewayInstance.HASH_SECRET).codeHash(phone, code);
		assertThat(body(result)).doesNotContain(code).doesNotContain(codeHash).doesNotContain(keyTag);
	}

	private static JsonNode lookup(String phone) {
		EntityExchangeResult<byte[]> result = call(HttpMethod.GET, phone, Map.of());
		assertThat(result.getStatus().value()).as(body(result)).isEqualTo(200);
		return json(result);
	}

	private static EntityExchangeResult<byte[]> call(HttpMethod method, String phone, Map<String, String> headers) {
		return gateway.client()
			.method(method)
			.uri("/actuator/otp/{phone}", phone)
			.headers(h -> headers.forEach(h::set))
			.exchange()
			.expectBody()
			.returnResult();
	}

	private static double unblocksCounted() {
		String metrics = gateway.client().get().uri("/actuator/prometheus").exchange()
			.expectStatus().isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		Matcher counter = Pattern.compile("(?m)^cvety_otp_support_unblocks_total(?:\\{[^}]*})? (\\S+)$").matcher(metrics);
		assertThat(counter.find()).as("cvety_otp_support_unblocks_total in /actuator/prometheus").isTrue();
		return Double.parseDouble(counter.group(1));
	}

	/** A client address of its own, so one test's sends never count against another's per-IP budget. */
	private static Map<String, String> newClient() {
		return Map.of("X-Forwarded-For", "10.20.0." + CLIENTS.incrementAndGet());
	}

	private static JsonNode json(EntityExchangeResult<byte[]> result) {
		return JSON.readTree(body(result));
	}

	private static String body(EntityExchangeResult<byte[]> result) {
		byte[] body = result.getResponseBodyContent();
		return (body != null) ? new String(body, StandardCharsets.UTF_8) : "";
	}

}
