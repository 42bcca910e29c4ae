package kz.cvety.otp.redis;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import kz.cvety.otp.testing.RedisProcess;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * bucket4j's scripts go by SHA, and survive a script-cache flush by falling back to EVAL, against a real Redis
 * of the test's own (its command statistics must not mix with other tests).
 */
class EvalShaRedisApiIT {

	private static final String SCRIPT = "return redis.call('SET', KEYS[1], ARGV[1])";

	private RedisProcess redis;

	private RedisClient client;

	private StatefulRedisConnection<String, byte[]> connection;

	private StatefulRedisConnection<String, String> admin;

	@BeforeEach
	void connect() {
		this.redis = RedisProcess.start();
		this.client = RedisClient.create(this.redis.url());
		this.connection = this.client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
		this.admin = this.client.connect();
	}

	@AfterEach
	void close() {
		this.connection.close();
		this.admin.close();
		this.client.shutdown();
		this.redis.close();
	}

	@Test
	void sendsTheScriptOnceThenOnlyItsSha() throws Exception {
		EvalShaRedisApi<Object> api = api();
		for (int i = 0; i < 5; i++) {
			Object ok = api.eval(SCRIPT, ScriptOutputType.STATUS, new Object[] { "k" }, new byte[][] { bytes("v" + i) })
				.toCompletableFuture().get(5, TimeUnit.SECONDS);
			assertThat(ok).isEqualTo("OK");
		}
		String stats = this.admin.sync().info("commandstats");
		assertThat(stats).contains("cmdstat_evalsha:calls=5");
		assertThat(stats).contains("cmdstat_eval:calls=1");
		assertThat(this.admin.sync().get("k")).isEqualTo("v4");
	}

	@Test
	void survivesAScriptCacheFlush() throws Exception {
		EvalShaRedisApi<Object> api = api();
		api.eval(SCRIPT, ScriptOutputType.STATUS, new Object[] { "k" }, new byte[][] { bytes("before") })
			.toCompletableFuture().get(5, TimeUnit.SECONDS);
		this.admin.sync().scriptFlush();

		Object ok = api.eval(SCRIPT, ScriptOutputType.STATUS, new Object[] { "k" }, new byte[][] { bytes("after") })
			.toCompletableFuture().get(5, TimeUnit.SECONDS);

		assertThat(ok).isEqualTo("OK");
		assertThat(this.admin.sync().get("k")).isEqualTo("after");
	}

	// As bucket4j uses it: keys arrive as an Object[] standing for K[].
	@SuppressWarnings({ "unchecked", "rawtypes" })
	private EvalShaRedisApi<Object> api() {
		return new EvalShaRedisApi(this.connection.async());
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
