package kz.cvety.edge;

import java.net.URI;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.http.MediaType;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.SmsSink;
import kz.cvety.otp.testing.HttpStub;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No spelling of an OTP path reaches the backend (whose own OTP endpoints once took any code) or skips the
 * admission filter.
 */
class PathVariantsIT {

	static HttpStub backend;

	static SmsSink sms;

	static GatewayInstance gateway;

	@BeforeAll
	static void start() {
		backend = HttpStub.start();
		sms = new SmsSink();
		gateway = GatewayInstance.start(sms.url(), Map.of("cvety.backend-url", backend.url()));
	}

	@AfterAll
	static void stop() {
		gateway.close();
		sms.close();
		backend.close();
	}

	@ParameterizedTest
	@ValueSource(strings = { "/api/auth//verify-otp", "//api/auth/verify-otp", "/api/auth/./verify-otp",
			"/api/x/../auth/verify-otp", "/api/auth/verify-otp;jsessionid=1", "/api/auth/verify-otp/.",
			"/api/auth%2Fverify-otp", "/api/auth/verify%2Dotp", "/api/auth/Verify-Otp", "/api/AUTH/verify-otp",
			"/api/auth/VERIFY-OTP/", "/api/auth/%76erify-otp", "/api/auth/verify-otp%00", "/api/auth/verify-otp%3B",
			"/api/auth/request%2dotp", "/api/auth/REQUEST-OTP", "/api/auth/verify-otp%2e",
			// A letter outside the BMP (mathematical bold 'v') decoded twice; a full-width '％' folded, then decoded.
			"/api/auth/%F0%9D%90%AFerify-otp%2520", "/api/auth/verify%EF%BC%852Dotp" })
	void variantsNeverReachTheBackend(String path) {
		backend.reset();
		int status = gateway.client()
			.post()
			.uri(URI.create(gateway.url() + path))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"phone\":\"+77771234567\",\"otp_code\":\"123456\"}")
			.exchange()
			.expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.returnResult(String.class)
			.getStatus()
			.value();
		assertThat(status).isIn(400, 401, 404);
		assertThat(backend.requests()).as("backend must not see " + path).isEmpty();
		assertThat(sms.count()).isZero();
	}

	@ParameterizedTest
	@ValueSource(strings = { "/api/auth/verify-otp", "/api/auth/verify-otp/", "/api/auth/verify-otp?x=1" })
	void exactSpellingsGoThroughTheAdmissionFilter(String path) {
		backend.reset();
		gateway.client()
			.post()
			.uri(URI.create(gateway.url() + path))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"phone\":\"+77771234567\",\"otp_code\":\"123456\"}")
			.exchange()
			.expectStatus().isUnauthorized()
			.expectBody().jsonPath("$.code").isEqualTo("otp_expired");
		assertThat(backend.requests()).isEmpty();
	}

}
