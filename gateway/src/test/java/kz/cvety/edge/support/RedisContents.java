package kz.cvety.edge.support;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;

import kz.cvety.otp.testing.TestRedis;

/**
 * Reads what a gateway left in the shared test Redis, byte for byte, as an operator with {@code redis-cli}
 * would: key names, values and TTLs.
 */
public final class RedisContents implements AutoCloseable {

	private final RedisClient client;

	private final StatefulRedisConnection<byte[], byte[]> connection;

	private RedisContents() {
		this.client = RedisClient.create(TestRedis.url());
		this.connection = this.client.connect(ByteArrayCodec.INSTANCE);
	}

	public static RedisContents connect() {
		return new RedisContents();
	}

	/** Names of the keys matching the glob {@code pattern}. */
	public List<String> keys(String pattern) {
		return commands().keys(bytes(pattern)).stream().map(RedisContents::text).toList();
	}

	/**
	 * Every key starting with {@code prefix}, with its value as text (ISO-8859-1, so binary values survive):
	 * strings as they are, hashes as {@code field=value} lines. Any other type fails the test.
	 */
	public Map<String, String> dump(String prefix) {
		Map<String, String> dump = new LinkedHashMap<>();
		for (byte[] key : commands().keys(bytes(prefix + "*"))) {
			String type = commands().type(key);
			if ("none".equals(type)) {
				// Expired between KEYS and TYPE: it is not part of the state any more.
				continue;
			}
			String value = switch (type) {
				case "hash" -> {
					StringBuilder fields = new StringBuilder();
					commands().hgetall(key)
						.forEach((name, field) -> fields.append(text(name)).append('=').append(text(field)).append('\n'));
					yield fields.toString();
				}
				case "string" -> text(commands().get(key));
				default -> throw new AssertionError("unexpected Redis type " + type + " of " + text(key));
			};
			dump.put(text(key), value);
		}
		return dump;
	}

	/** The key's time to live in milliseconds: -1 without a TTL, -2 when the key does not exist. */
	public long pttl(String key) {
		return commands().pttl(bytes(key));
	}

	@Override
	public void close() {
		this.connection.close();
		this.client.shutdown();
	}

	private RedisCommands<byte[], byte[]> commands() {
		return this.connection.sync();
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.ISO_8859_1);
	}

	private static String text(byte[] bytes) {
		return new String(bytes, StandardCharsets.ISO_8859_1);
	}

}
