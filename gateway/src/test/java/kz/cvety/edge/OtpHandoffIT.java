package kz.cvety.edge;

import java.net.URI;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.edge.support.SmsSink;
import kz.cvety.otp.testing.HttpStub;
import kz.cvety.otp.testing.HttpStub.Recorded;
import kz.cvety.otp.testing.HttpStub.Reply;

import static kz.cvety.edge.support.OtpApi.VERIFY_OTP;
import static kz.cvety.edge.support.OtpApi.checkToken;
import static kz.cvety.edge.support.OtpApi.json;
import static kz.cvety.edge.support.OtpApi.otherCode;
import static kz.cvety.edge.support.OtpApi.post;
import static kz.cvety.edge.support.OtpApi.requestOtp;
import static kz.cvety.edge.support.OtpApi.verify;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code cvety.otp.handoff.enabled=true} a verified request goes on to the backend (a real HTTP server on
 * loopback) with the gateway's verification token, and the backend's answer goes back to the client; nothing
 * that failed verification ever reaches the backend.
 */
class OtpHandoffIT {

	static SmsSink sms;

	static HttpStub backend;

	static GatewayInstance gateway;

	@BeforeAll
	static void start() {
		sms = new SmsSink();
		backend = HttpStub.start();
		gateway = GatewayInstance.start(sms.url(), Map.of("cvety.otp.handoff.enabled", "true", "cvety.backend-url",
				backend.url(), "cvety.otp.limits.send-per-ip", "1000/1m"));
	}

	@AfterAll
	static void stop() {
		gateway.close();
		backend.close();
		sms.close();
	}

	@BeforeEach
	void reset() {
		sms.reset();
		backend.reset();
		backend.respond(request -> Reply.json(200, "{\"ok\":true}"));
	}

	@Test
	void verifiedRequestReachesTheBackendWithTheTokenAndTheBackendAnswerIsRelayed() {
		String phone = "+77011234567";
		assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
		assertThat(backend.requests()).isEmpty();
		String body = "{ \"phone\": \"8 701 123 45 67\", \"otp_code\": \"" + sms.lastCode(phone)
				+ "\", \"device\": \"ios\" }";
		backend.respond(request -> Reply.json(201, "{\"access_token\":\"backend-session\",\"user_id\":7}")
			.withHeader("Set-Cookie", "session=abc; HttpOnly")
			.withHeader("X-Backend", "yes"));

		gateway.client().post().uri(URI.create(gateway.url() + VERIFY_OTP + "?next=%2Fcart&q=%D1%80%D0%BE%D0%B7%D1%8B"))
			.contentType(MediaType.APPLICATION_JSON)
			.header("X-Request-Id", "req-42")
			.header("Authorization", "Bearer guest")
			.header("X-Otp-Verification", "forged.by.client")
			.bodyValue(body)
			.exchange()
			.expectStatus().isCreated()
			.expectHeader().valueEquals("X-Backend", "yes")
			.expectHeader().valueEquals("Set-Cookie", "session=abc; HttpOnly")
			.expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
			.expectBody().json("{\"access_token\":\"backend-session\",\"user_id\":7}");

		assertThat(backend.requests()).hasSize(1);
		Recorded forwarded = backend.requests().get(0);
		assertThat(forwarded.method()).isEqualTo("POST");
		assertThat(forwarded.uri()).isEqualTo(VERIFY_OTP + "?next=%2Fcart&q=%D1%80%D0%BE%D0%B7%D1%8B");
		assertThat(forwarded.body()).isEqualTo(body);
		assertThat(forwarded.headers().get("Content-Type")).startsWith("application/json");
		assertThat(forwarded.headers().get("X-Request-Id")).isEqualTo("req-42");
		assertThat(forwarded.headers().get("Authorization")).isEqualTo("Bearer guest");
		List<String> tokens = forwarded.headers().getAll("X-Otp-Verification");
		assertThat(tokens).hasSize(1).doesNotContain("forged.by.client");
		checkToken(tokens.get(0), phone);
	}

	@Test
	void theBackendReadsOneTruthfulClientAddressAndNoClientForwardingHeadersOnTheHandOff() {
		String phone = "+77011234568";
		assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);

		gateway.client().post().uri(VERIFY_OTP)
			.headers(OtpHandoffIT::addClientForwardingHeaders)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(json("phone", phone, "otp_code", sms.lastCode(phone)))
			.exchange()
			.expectStatus().isOk();

		assertThat(backend.requests()).hasSize(1);
		assertOnlyEdgeForwardingHeaders(backend.requests().get(0));
		assertThat(backend.requests().get(0).headers().getAll("X-Otp-Verification")).hasSize(1)
			.doesNotContain("forged.by.client");
	}

	@Test
	void theBackendReadsOneTruthfulClientAddressAndNoClientForwardingHeadersOnAProxiedRoute() {
		gateway.client().get().uri("/api/catalog")
			.headers(OtpHandoffIT::addClientForwardingHeaders)
			.exchange()
			.expectStatus().isOk();

		assertThat(backend.requests()).hasSize(1);
		assertOnlyEdgeForwardingHeaders(backend.requests().get(0));
		assertThat(backend.requests().get(0).headers().names())
			.noneMatch(name -> name.replace('_', '-').equalsIgnoreCase("X-Otp-Verification"));
	}

	@Test
	void aQueryAStrictUriBuilderRefusesIsHandedOnAsItCameAndTheCodeIsUsedOnce() {
		String phone = "+77011234569";
		assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
		String code = sms.lastCode(phone);

		gateway.client().post().uri(URI.create(gateway.url() + VERIFY_OTP + "?x=[1]&tags[]=roses"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(json("phone", phone, "otp_code", code))
			.exchange()
			.expectStatus().isOk();

		assertThat(backend.requests()).hasSize(1);
		assertThat(backend.requests().get(0).uri()).isEqualTo(VERIFY_OTP + "?x=[1]&tags[]=roses");
		assertThatProblem(verify(gateway.url(), phone, code)).hasStatus(401).hasCode("otp_expired");
	}

	/** Every spelling of a forwarding header a client might send, and look-alikes a CGI server reads the same. */
	private static void addClientForwardingHeaders(HttpHeaders headers) {
		headers.add("X-Forwarded-For", "6.6.6.6");
		headers.add("X_Forwarded_For", "6.6.6.7");
		headers.add("Forwarded", "for=6.6.6.8;proto=https");
		headers.add("X-Real-IP", "6.6.6.9");
		headers.add("X_Real_IP", "6.6.6.10");
		headers.add("X_Forwarded_Host", "evil.example");
		headers.add("X_Otp_Verification", "forged.by.client");
		headers.add("x-otp_verification", "forged.by.client");
	}

	private static void assertOnlyEdgeForwardingHeaders(Recorded forwarded) {
		assertThat(forwarded.headers().getAll("X-Forwarded-For")).containsExactly("127.0.0.1");
		assertThat(forwarded.headers().names()).as("headers the backend received")
			.noneMatch(name -> name.indexOf('_') >= 0)
			.noneMatch(name -> name.equalsIgnoreCase("Forwarded") || name.equalsIgnoreCase("X-Real-IP"));
		assertThat(forwarded.headers().getAll("X-Forwarded-Host")).doesNotContain("evil.example");
	}

	@Test
	void theRequestIdTheEdgeMadeGoesToTheBackendWithTheHandOff() {
		String phone = "+77051234567";
		assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);

		Answer verified = verify(gateway.url(), phone, sms.lastCode(phone));
		assertThat(verified.status()).isEqualTo(200);
		String made = verified.header("X-Request-Id");

		assertThat(made).matches("[0-9a-f-]{36}");
		assertThat(backend.requests()).hasSize(1);
		assertThat(backend.requests().get(0).headers().getAll("X-Request-Id")).containsExactly(made);
	}

	@Test
	void backendErrorAnswersAreRelayedAsTheBackendSentThem() {
		String phone = "+77021234567";
		assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
		backend.respond(request -> Reply.json(409, "{\"detail\":\"account disabled\"}"));

		Answer relayed = verify(gateway.url(), phone, sms.lastCode(phone));

		assertThat(relayed.status()).isEqualTo(409);
		assertThat(relayed.body().path("detail").asString()).isEqualTo("account disabled");
	}

	@Test
	void failedVerificationsNeverReachTheBackend() {
		String phone = "+77051234567";
		assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
		String code = sms.lastCode(phone);

		assertThatProblem(verify(gateway.url(), phone, otherCode(code), Map.of("X-Otp-Verification", "forged.by.client")))
			.hasStatus(401)
			.hasCode("otp_invalid");
		assertThatProblem(verify(gateway.url(), phone, "12345")).hasStatus(400).hasCode("invalid_code_format");
		assertThatProblem(verify(gateway.url(), "+77051234568", code)).hasStatus(401).hasCode("otp_expired");
		assertThatProblem(post(gateway.url() + VERIFY_OTP, "{\"phone\":\"" + phone + "\"}")).hasStatus(400)
			.hasCode("malformed_request");

		assertThat(backend.requests()).isEmpty();
	}

	@Test
	void backendHangingUpDuringHandoffGivesBackendUnavailable() {
		String phone = "+77071234567";
		assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
		backend.respond(request -> Reply.hangUp());

		assertThatProblem(verify(gateway.url(), phone, sms.lastCode(phone))).hasStatus(503).hasCode("backend_unavailable")
			.hasRetryAfter();
		assertThat(backend.requests()).hasSize(1);
	}

}
