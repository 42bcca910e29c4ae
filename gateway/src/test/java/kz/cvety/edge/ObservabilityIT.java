package kz.cvety.edge;

import java.util.Map;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cloud.circuitbreaker.resilience4j.ReactiveResilience4JCircuitBreakerFactory;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.SmsSink;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Metrics, health and the decision log after a scripted OTP flow.
 */
@ExtendWith(OutputCaptureExtension.class)
class ObservabilityIT {

	static SmsSink sms;

	static GatewayInstance gateway;

	@BeforeAll
	static void start() {
		sms = new SmsSink();
		gateway = GatewayInstance.start(sms.url(), Map.of("cvety.otp.limits.send-per-phone", "2/1m"));
	}

	@AfterAll
	static void stop() {
		gateway.close();
		sms.close();
	}

	@Test
	void scriptedFlowShowsInMetricsAndOneMaskedLogLinePerDecision(CapturedOutput output) {
		WebTestClient client = gateway.client();
		String phone = "+77051234567";
		send(client, phone).expectStatus().isOk();
		String code = sms.lastCode(phone);
		verify(client, phone, code.equals("000000") ? "111111" : "000000").expectStatus().isUnauthorized();
		verify(client, phone, code).expectStatus().isOk();
		send(client, phone).expectStatus().isOk();
		send(client, phone).expectStatus().isEqualTo(429);

		String metrics = client.get().uri("/actuator/prometheus").exchange()
			.expectStatus().isOk()
			.expectBody(String.class).returnResult().getResponseBody();
		assertThat(metrics)
			.contains("cvety_otp_sends_total{outcome=\"sent\"} 2.0")
			.contains("cvety_otp_verifications_total{outcome=\"invalid\"} 1.0")
			.contains("cvety_otp_verifications_total{outcome=\"verified\"} 1.0")
			.contains("cvety_otp_limit_decisions_total{limit=\"send-per-phone\",outcome=\"refused\",source=\"redis\"} 1.0")
			.contains("cvety_otp_limit_decisions_total{limit=\"send-per-phone\",outcome=\"admitted\",source=\"redis\"} 2.0")
			.contains("cvety_otp_sms_send_seconds_count{outcome=\"success\"} 2")
			.contains("cvety_otp_redis_step_seconds_count{outcome=\"success\",step=\"issue\"} 2")
			// Each bucket keeps its own step: the phone's three times (the third send refused there), its range's,
			// the address's and the fleet's for the two sends the phone admitted.
			.contains("cvety_otp_redis_step_seconds_count{outcome=\"success\",step=\"send-per-phone\"} 3")
			.contains("cvety_otp_redis_step_seconds_count{outcome=\"success\",step=\"send-per-prefix\"} 2")
			.contains("cvety_otp_redis_step_seconds_count{outcome=\"success\",step=\"send-per-ip\"} 2")
			.contains("cvety_otp_redis_step_seconds_count{outcome=\"success\",step=\"send-global\"} 2")
			.contains("cvety_otp_conversion_ratio 0.5")
			.contains("resilience4j_circuitbreaker_state{group=\"none\",name=\"otp-redis\",state=\"closed\"} 1.0")
			.contains("resilience4j_circuitbreaker_state{group=\"none\",name=\"sms\",state=\"closed\"} 1.0")
			// Two sends, two calls: the breakers' meters are bound once.
			.contains("resilience4j_circuitbreaker_calls_seconds_count"
					+ "{group=\"none\",kind=\"successful\",name=\"sms\"} 2")
			.doesNotContain("7051234567");

		assertThat(output).contains("otp.send phone=+7705***4567 outcome=sent")
			.contains("otp.verify phone=+7705***4567 outcome=invalid")
			.contains("otp.verify phone=+7705***4567 outcome=verified")
			.contains("otp.send phone=+7705***4567 outcome=refused limit=send-per-phone")
			.doesNotContain("+77051234567")
			.doesNotContain(code);
	}

	@Test
	void oneCircuitBreakerRegistryHoldsTheStoreSmsAndBackendBreakers() {
		CircuitBreakerRegistry registry = gateway.context().getBean(CircuitBreakerRegistry.class);
		assertThat(gateway.context().getBean(ReactiveResilience4JCircuitBreakerFactory.class).getCircuitBreakerRegistry())
			.isSameAs(registry);
		// The backend's breaker is made on its route's first call, whatever the backend answers.
		gateway.client().get().uri("/api/catalog").exchange().expectBody().returnResult();
		assertThat(registry.getAllCircuitBreakers()).extracting(CircuitBreaker::getName)
			.contains("otp-redis", "sms", "backend");

		String metrics = gateway.client().get().uri("/actuator/prometheus").exchange()
			.expectStatus().isOk()
			.expectBody(String.class).returnResult().getResponseBody();
		assertThat(metrics.lines().filter(line -> line.startsWith("resilience4j_circuitbreaker_state{")
				&& line.endsWith(",name=\"backend\",state=\"closed\"} 1.0"))).hasSize(1);
	}

	@Test
	void healthShowsStoreAndSmsCircuitsButReadinessOnlyNeedsRedis() {
		WebTestClient client = gateway.client();
		client.get().uri("/actuator/health").exchange()
			.expectStatus().isOk()
			.expectBody()
			.jsonPath("$.components.redis.status").isEqualTo("UP")
			.jsonPath("$.components.otpStore.status").isEqualTo("UP")
			.jsonPath("$.components.sms.status").isEqualTo("UP");
		client.get().uri("/actuator/health/readiness").exchange()
			.expectStatus().isOk()
			.expectBody()
			.jsonPath("$.components.redis.status").isEqualTo("UP")
			.jsonPath("$.components.sms").doesNotExist();
		client.get().uri("/actuator/health/liveness").exchange().expectStatus().isOk();
	}

	private static WebTestClient.ResponseSpec send(WebTestClient client, String phone) {
		return client.post().uri("/api/auth/request-otp").contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"phone\":\"" + phone + "\"}").exchange();
	}

	private static WebTestClient.ResponseSpec verify(WebTestClient client, String phone, String code) {
		return client.post().uri("/api/auth/verify-otp").contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"phone\":\"" + phone + "\",\"otp_code\":\"" + code + "\"}").exchange();
	}

}
