package kz.cvety.edge;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import org.springframework.test.web.reactive.server.WebTestClient;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.otp.testing.HttpStub;
import kz.cvety.otp.testing.RedisProcess;
import kz.cvety.otp.testing.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The generic {@code RateLimit} filter on ordinary proxied routes: by IP or by header, several limits, honest
 * answers, and fail-open when Redis is gone.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RateLimitFilterIT {

	static HttpStub backend;

	static RedisProcess redis;

	static GatewayInstance gateway;

	@BeforeAll
	static void start() {
		backend = HttpStub.start();
		redis = RedisProcess.start();
		Map<String, String> settings = new LinkedHashMap<>(GatewayInstance.defaults("http://127.0.0.1:9/sms",
				TestRedis.uniquePrefix()));
		settings.put("spring.data.redis.url", redis.url());
		settings.put("cvety.otp.redis.minimum-number-of-calls", "100");
		route(settings, 0, "orders", "/api/orders/**", "ip", "3/1m");
		route(settings, 1, "catalog", "/api/catalog/**", "header:X-Api-Key", "2/1m");
		settings.put("spring.cloud.gateway.server.webflux.routes[2].id", "backend");
		settings.put("spring.cloud.gateway.server.webflux.routes[2].uri", backend.url());
		settings.put("spring.cloud.gateway.server.webflux.routes[2].predicates[0]", "Path=/api/**");
		gateway = GatewayInstance.start(settings);
	}

	private static void route(Map<String, String> settings, int index, String id, String path, String key,
			String limit) {
		String prefix = "spring.cloud.gateway.server.webflux.routes[" + index + "].";
		settings.put(prefix + "id", id);
		settings.put(prefix + "uri", backend.url());
		settings.put(prefix + "predicates[0]", "Path=" + path);
		settings.put(prefix + "filters[0].name", "RateLimit");
		settings.put(prefix + "filters[0].args.key", key);
		settings.put(prefix + "filters[0].args.limits[0]", limit);
		settings.put(prefix + "filters[0].args.limits[1]", "100/1h");
	}

	@AfterAll
	static void stop() {
		gateway.close();
		redis.close();
		backend.close();
	}

	@Test
	void ipKeyedLimitAdmitsItsCountThenAnswers429WithRetryAfter() {
		WebTestClient client = gateway.client();
		for (int i = 0; i < 3; i++) {
			client.get().uri("/api/orders/" + i).exchange()
				.expectStatus().isOk()
				.expectHeader().valueEquals("RateLimit-Limit", "3")
				.expectHeader().valueEquals("RateLimit-Remaining", Integer.toString(2 - i));
		}
		client.get().uri("/api/orders/4").exchange()
			.expectStatus().isEqualTo(429)
			.expectHeader().exists("Retry-After")
			.expectHeader().valueEquals("RateLimit-Remaining", "0")
			.expectBody()
			.jsonPath("$.code").isEqualTo("rate_limited")
			.jsonPath("$.limit").isEqualTo("orders");
		assertThat(backend.requests().stream().filter(r -> r.uri().startsWith("/api/orders"))).hasSize(3);
	}

	@Test
	void headerKeyedLimitGivesEachKeyItsOwnBucket() {
		WebTestClient client = gateway.client();
		for (String apiKey : new String[] { "alpha", "beta" }) {
			for (int i = 0; i < 2; i++) {
				client.get().uri("/api/catalog").header("X-Api-Key", apiKey).exchange().expectStatus().isOk();
			}
			client.get().uri("/api/catalog").header("X-Api-Key", apiKey).exchange().expectStatus().isEqualTo(429);
		}
	}

	@Test
	@Order(Integer.MAX_VALUE)
	void failsOpenWhenRedisIsGoneAndClosesAgainWhenItIsBack() {
		WebTestClient client = gateway.client();
		redis.stop();
		try {
			for (int i = 0; i < 5; i++) {
				client.get().uri("/api/catalog").header("X-Api-Key", "during-outage").exchange().expectStatus().isOk();
			}
		}
		finally {
			redis.restart();
		}
		// Back to counting by itself: the limit refuses again once Redis answers.
		await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> client.get()
			.uri("/api/catalog")
			.header("X-Api-Key", "after-outage")
			.exchange()
			.expectHeader()
			.exists("RateLimit-Remaining"));
	}

}
