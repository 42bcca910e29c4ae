package kz.cvety.edge;

import java.net.URI;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import kz.cvety.otp.testing.HttpStub;
import kz.cvety.otp.testing.HttpStub.Recorded;
import kz.cvety.otp.testing.HttpStub.Reply;
import kz.cvety.otp.testing.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real gateway on a random port in front of a real HTTP backend on loopback.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class BackendProxyIT {

	static final HttpStub backend = HttpStub.start();

	@LocalServerPort
	int port;

	WebTestClient client;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("spring.data.redis.url", TestRedis::url);
		registry.add("cvety.backend-url", backend::url);
		registry.add("cvety.backend.timeout", () -> "1s");
	}

	@AfterAll
	static void stopBackend() {
		backend.close();
	}

	@BeforeEach
	void setUp() {
		backend.reset();
		backend.respond(request -> Reply.json(200, "{\"ok\":true}"));
		this.client = WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + this.port)
			.responseTimeout(Duration.ofSeconds(10))
			.build();
	}

	@Test
	void proxiesMethodPathQueryHeadersAndBodyIntact() {
		backend.respond(request -> Reply.json(201, "{\"id\":42}").withHeader("X-Backend", "yes"));

		this.client.post()
			.uri(URI.create("http://127.0.0.1:" + this.port + "/api/orders/7/items?sort=price&q=%D1%80%D0%BE%D0%B7%D1%8B%20red"))
			.contentType(MediaType.APPLICATION_JSON)
			.header("X-Custom", "kept")
			.header("Authorization", "Bearer abc")
			.bodyValue("{\"bouquet\":\"roses\",\"count\":11}")
			.exchange()
			.expectStatus().isCreated()
			.expectHeader().valueEquals("X-Backend", "yes")
			.expectBody().json("{\"id\":42}");

		assertThat(backend.requests()).hasSize(1);
		Recorded seen = backend.requests().get(0);
		assertThat(seen.method()).isEqualTo("POST");
		assertThat(seen.uri()).isEqualTo("/api/orders/7/items?sort=price&q=%D1%80%D0%BE%D0%B7%D1%8B%20red");
		assertThat(seen.headers().get("X-Custom")).isEqualTo("kept");
		assertThat(seen.headers().get("Authorization")).isEqualTo("Bearer abc");
		assertThat(seen.body()).isEqualTo("{\"bouquet\":\"roses\",\"count\":11}");
	}

	@Test
	void proxiesOtherMethods() {
		for (HttpMethod method : new HttpMethod[] { HttpMethod.GET, HttpMethod.PUT, HttpMethod.DELETE,
				HttpMethod.PATCH }) {
			this.client.method(method).uri("/api/catalog").exchange().expectStatus().isOk();
		}
		assertThat(backend.requests()).extracting(Recorded::method).containsExactly("GET", "PUT", "DELETE", "PATCH");
	}

	@Test
	void relaysBackendErrorsAsTheBackendSentThem() {
		backend.respond(request -> Reply.json(422, "{\"detail\":\"bad bouquet\"}"));

		this.client.post().uri("/api/orders").bodyValue("{}").exchange()
			.expectStatus().isEqualTo(422)
			.expectBody().json("{\"detail\":\"bad bouquet\"}");
	}

	@Test
	void stripsClientSentVerificationHeader() {
		this.client.get()
			.uri("/api/profile")
			.header("X-Otp-Verification", "forged.jwt.value")
			.header("x-otp-verification", "another-forgery")
			.exchange()
			.expectStatus().isOk();

		Recorded seen = backend.requests().get(0);
		assertThat(seen.headers().contains("X-Otp-Verification")).isFalse();
	}

	@Test
	void propagatesTheCallersRequestIdOrMakesOne() {
		this.client.get().uri("/api/profile").header("X-Request-Id", "req-12345678").exchange()
			.expectStatus().isOk()
			.expectHeader().valueEquals("X-Request-Id", "req-12345678");
		assertThat(backend.requests().get(0).headers().get("X-Request-Id")).isEqualTo("req-12345678");

		backend.reset();
		String made = this.client.get().uri("/api/profile").header("X-Request-Id", "x".repeat(200)).exchange()
			.expectStatus().isOk()
			.returnResult(Void.class).getResponseHeaders().getFirst("X-Request-Id");
		assertThat(made).matches("[0-9a-f-]{36}");
		assertThat(backend.requests().get(0).headers().getAll("X-Request-Id")).containsExactly(made);
	}

	@Test
	void slowBackendGivesGatewayTimeoutProblem() {
		backend.respond(request -> Reply.json(200, "{}").delayedBy(Duration.ofSeconds(3)));

		long started = System.nanoTime();
		this.client.get().uri("/api/slow").exchange()
			.expectStatus().isEqualTo(504)
			.expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.code").isEqualTo("backend_unavailable")
			.jsonPath("$.status").isEqualTo(504)
			.jsonPath("$.type").isEqualTo("urn:cvety:problem:backend_unavailable");
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(2500));
	}

	@Test
	void backendHangingUpGivesServiceUnavailableProblem() {
		backend.respond(request -> Reply.hangUp());

		this.client.get().uri("/api/crash").exchange()
			.expectStatus().isEqualTo(503)
			.expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectHeader().exists("Retry-After")
			.expectBody().jsonPath("$.code").isEqualTo("backend_unavailable");
	}

	@Test
	void unknownPathsGetNotFoundProblemWithoutReachingBackend() {
		this.client.get().uri("/admin/secret").exchange()
			.expectStatus().isNotFound()
			.expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody().jsonPath("$.code").isEqualTo("not_found");
		assertThat(backend.requests()).isEmpty();
	}

	@Test
	void healthIncludesRedis() {
		this.client.get().uri("/actuator/health").exchange()
			.expectStatus().isOk()
			.expectBody()
			.jsonPath("$.status").isEqualTo("UP")
			.jsonPath("$.components.redis.status").isEqualTo("UP");
		this.client.get().uri("/actuator/health/readiness").exchange()
			.expectStatus().isOk()
			.expectBody().jsonPath("$.components.redis.status").isEqualTo("UP");
	}

}
