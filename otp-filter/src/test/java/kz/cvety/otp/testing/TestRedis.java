package kz.cvety.otp.testing;

import java.util.UUID;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * The one place that gives tests a real Redis server, shared by every test of a JVM: {@code TEST_REDIS_URL}
 * if set; else a Testcontainers {@value #IMAGE} when a Docker engine answers; else an embedded redis-server
 * process (what CI and these machines use, having no Docker engine). Tests keep apart by key prefix.
 */
public final class TestRedis {

	/** The Redis image for Testcontainers; docker-compose.yml runs the same tag. */
	public static final String IMAGE = "redis:7.4";

	/** Environment variable naming an existing Redis for tests, e.g. {@code redis://127.0.0.1:6379}. */
	public static final String URL_VARIABLE = "TEST_REDIS_URL";

	private static String url;

	private static String source;

	private TestRedis() {
	}

	/** The URL of the shared test Redis, started on first use. */
	public static synchronized String url() {
		if (url == null) {
			url = start();
		}
		return url;
	}

	/** Where the shared Redis came from: {@code env}, {@code testcontainers} or {@code embedded}. */
	public static synchronized String source() {
		url();
		return source;
	}

	/** A started Spring Data Redis connection factory (Lettuce) on the shared test Redis; destroy it when done. */
	public static LettuceConnectionFactory connectionFactory() {
		LettuceConnectionFactory connections = new LettuceConnectionFactory(
				LettuceConnectionFactory.createRedisConfiguration(url()));
		connections.afterPropertiesSet();
		connections.start();
		return connections;
	}

	/** A key prefix no other test uses, so tests never see each other's keys. */
	public static String uniquePrefix() {
		return "test-" + UUID.randomUUID().toString().substring(0, 8) + ":";
	}

	private static String start() {
		String configured = System.getenv(URL_VARIABLE);
		if (configured != null && !configured.isBlank()) {
			source = "env";
			return configured;
		}
		if (dockerAvailable()) {
			GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(IMAGE)).withExposedPorts(6379);
			container.start();
			Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "test-redis-container-stop"));
			source = "testcontainers";
			return "redis://" + container.getHost() + ":" + container.getMappedPort(6379);
		}
		RedisProcess process = RedisProcess.start();
		Runtime.getRuntime().addShutdownHook(new Thread(process::close, "test-redis-process-stop"));
		source = "embedded";
		return process.url();
	}

	private static boolean dockerAvailable() {
		try {
			return DockerClientFactory.instance().isDockerAvailable();
		}
		catch (Throwable ex) {
			return false;
		}
	}

}
