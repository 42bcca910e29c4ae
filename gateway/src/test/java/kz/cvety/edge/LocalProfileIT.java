package kz.cvety.edge;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

import kz.cvety.edge.local.LocalRedisServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * With no profile named and no Redis configured, the gateway runs the local profile on an embedded
 * redis-server, healthy, with the support endpoint on its main port, and stops that server on shutdown.
 */
@ExtendWith(OutputCaptureExtension.class)
class LocalProfileIT {

	@Test
	void defaultProfileRunsOnEmbeddedRedisAndStopsItOnShutdown(CapturedOutput output) throws IOException {
		int redisPort;
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(GatewayApplication.class)
			.run("--server.port=0")) {
			assertThat(context.getEnvironment().getActiveProfiles()).isEmpty();
			assertThat(context.getEnvironment().getDefaultProfiles()).containsExactly("local");
			redisPort = context.getBean(LocalRedisServer.class).port();
			int port = ((WebServerApplicationContext) context).getWebServer().getPort();
			WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).build()
				.get().uri("/actuator/health").exchange()
				.expectStatus().isOk()
				.expectBody().jsonPath("$.components.redis.status").isEqualTo("UP");
			// The support endpoint is exposed on the main port here, and only here.
			WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).build()
				.get().uri("/actuator/otp/{phone}", "8 701 123 45 67").exchange()
				.expectStatus().isOk()
				.expectBody().jsonPath("$.phone").isEqualTo("+77011234567")
				.jsonPath("$.limits[0].name").isEqualTo("send-per-phone")
				.jsonPath("$.verification_locked").isEqualTo(false);
			assertThat(canConnect(redisPort)).isTrue();
			assertThat(output).contains("Cvety Edge is running (local profile) at http://localhost:" + port)
				.contains("embedded redis-server on 127.0.0.1:" + redisPort)
				.contains("curl -s -X POST http://localhost:" + port + "/api/auth/request-otp");
		}
		assertThatThrownBy(() -> canConnect(redisPort)).isInstanceOf(IOException.class);
	}

	private static boolean canConnect(int port) throws IOException {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
			return true;
		}
	}

}
