package kz.cvety.edge;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import kz.cvety.otp.testing.HttpStub;
import kz.cvety.otp.testing.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A backend that is down: the client gets 503 problems, the circuit opens and fails fast, and service comes
 * back by itself once the backend does.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class BackendDownIT {

	static final int BACKEND_PORT = freePort();

	@LocalServerPort
	int port;

	WebTestClient client;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("spring.data.redis.url", TestRedis::url);
		registry.add("cvety.backend-url", () -> "http://127.0.0.1:" + BACKEND_PORT);
		registry.add("cvety.backend.minimum-number-of-calls", () -> "4");
		registry.add("cvety.backend.sliding-window-size", () -> "4");
		registry.add("cvety.backend.wait-duration-in-open-state", () -> "2s");
	}

	@BeforeEach
	void setUp() {
		this.client = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + this.port).build();
	}

	@Test
	void downBackendGivesProblemsThenOpenCircuitThenRecovers() {
		for (int i = 0; i < 4; i++) {
			EntityExchangeResult<byte[]> result = this.client.get().uri("/api/catalog").exchange()
				.expectStatus().isEqualTo(503)
				.expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.expectBody().jsonPath("$.code").isEqualTo("backend_unavailable")
				.jsonPath("$.instance").isEqualTo("/api/catalog")
				.returnResult();
			// The circuit's wait while it is closed; the failure that opens it announces the wait from now plus the
			// backend's timeout (10 s by default), which the trial calls may take to close it again.
			assertThat(Long.parseLong(result.getResponseHeaders().getFirst("Retry-After"))).isEqualTo((i < 3) ? 2 : 12);
		}

		// The circuit is open now: answers come at once, and nothing is sent to the backend.
		try (HttpStub backend = HttpStub.start(BACKEND_PORT)) {
			this.client.get().uri("/api/catalog").exchange()
				.expectStatus().isEqualTo(503)
				.expectBody().jsonPath("$.code").isEqualTo("backend_unavailable")
				.jsonPath("$.instance").isEqualTo("/api/catalog");
			assertThat(backend.requests()).isEmpty();

			await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
				this.client.get().uri("/api/catalog").exchange().expectStatus().isOk());
			assertThat(backend.requests()).isNotEmpty();
		}
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
