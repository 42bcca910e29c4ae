package kz.cvety.edge;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The packaged jar, as ops run it: {@code java -jar gateway.jar} with no arguments and no REDIS_URL is healthy
 * within 2 minutes (its health includes readiness, which waits for the OTP warm-up: at most a minute, its
 * time-out, then the rest of start-up and a busy machine's margin), and reads the config/ folder beside the jar
 * even when started from elsewhere.
 */
class ExecutableJarIT {

	@Test
	void jarWithConfigBesideItIsHealthyWithinTwoMinutes(@TempDir Path install, @TempDir Path elsewhere)
			throws Exception {
		Path jar = Path.of("target", "gateway.jar").toAbsolutePath();
		assertThat(jar).exists();
		Files.copy(jar, install.resolve("gateway.jar"));
		int port = freePort();
		Files.createDirectories(install.resolve("config"));
		Files.writeString(install.resolve("config/application.yml"), "server:\n  port: " + port + "\n");

		ProcessBuilder builder = new ProcessBuilder(List.of(javaBinary(), "-jar",
				install.resolve("gateway.jar").toString()))
			.directory(elsewhere.toFile())
			.redirectErrorStream(true)
			.redirectOutput(elsewhere.resolve("gateway.log").toFile());
		builder.environment().remove("REDIS_URL");
		builder.environment().remove("PORT");
		builder.environment().remove("SPRING_PROFILES_ACTIVE");
		Process process = builder.start();
		try {
			WebTestClient client = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).build();
			await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
				.untilAsserted(() -> client.get().uri("/actuator/health").exchange()
					.expectStatus().isOk()
					.expectBody().jsonPath("$.components.redis.status").isEqualTo("UP"));
		}
		finally {
			process.destroy();
			assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("gateway stops on SIGTERM").isTrue();
		}
		Matcher started = Pattern.compile("Started embedded redis-server on 127\\.0\\.0\\.1:(\\d+)")
			.matcher(Files.readString(elsewhere.resolve("gateway.log")));
		assertThat(started.find()).as("log names the embedded Redis port").isTrue();
		int redisPort = Integer.parseInt(started.group(1));
		assertThatThrownBy(() -> new Socket("127.0.0.1", redisPort).close()).as("embedded Redis stopped too")
			.isInstanceOf(IOException.class);
	}

	private static String javaBinary() {
		return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

}
