package kz.cvety.edge.limits;

import java.time.Duration;
import java.util.Optional;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.otp.store.OtpHasher;
import kz.cvety.otp.store.OtpKeys;

/**
 * Reads the tokens left in the gateways' buckets straight from Redis (test-side, blocking), to see which
 * limits a refused request did or did not charge.
 */
public final class BucketProbe implements AutoCloseable {

	private final RedisClient client;

	private final StatefulRedisConnection<String, byte[]> connection;

	private final ProxyManager<String> buckets;

	private final OtpKeys keys;

	public BucketProbe(String redisUrl, String keyPrefix) {
		this.client = RedisClient.create(redisUrl);
		this.connection = this.client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
		this.buckets = Bucket4jLettuce.casBasedBuilder(this.connection).build();
		this.keys = new OtpKeys(keyPrefix, new OtpHasher(GatewayInstance.HASH_SECRET));
	}

	public OtpKeys keys() {
		return this.keys;
	}

	/** Tokens left in the bucket at {@code key}, or empty when the gateway never created it. */
	public Optional<Long> availableTokens(String key) {
		Optional<BucketConfiguration> stored = this.buckets.getProxyConfiguration(key);
		return stored.map(configuration -> this.buckets.builder()
			.build(key, () -> configuration)
			.getAvailableTokens());
	}

	@Override
	public void close() {
		this.connection.close();
		this.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
	}

}
