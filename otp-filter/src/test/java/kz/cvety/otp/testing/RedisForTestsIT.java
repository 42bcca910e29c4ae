package kz.cvety.otp.testing;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RedisForTestsIT {

	@Test
	void sharedRedisAnswersPingAndKeepsData() {
		RedisClient client = RedisClient.create(TestRedis.url());
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			String key = TestRedis.uniquePrefix() + "probe";
			assertThat(connection.sync().ping()).isEqualTo("PONG");
			connection.sync().set(key, "value");
			assertThat(connection.sync().get(key)).isEqualTo("value");
			assertThat(TestRedis.source()).isIn("env", "testcontainers", "embedded");
		}
		finally {
			client.shutdown();
		}
	}

	@Test
	void dedicatedProcessLosesDataOnRestart() {
		try (RedisProcess process = RedisProcess.start()) {
			RedisClient client = RedisClient.create(process.url());
			try (StatefulRedisConnection<String, String> connection = client.connect()) {
				connection.sync().set("k", "v");
				process.stop();
				process.restart();
				assertThat(connection.sync().get("k")).isNull();
			}
			finally {
				client.shutdown();
			}
		}
	}

}
