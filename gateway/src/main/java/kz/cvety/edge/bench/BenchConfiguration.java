package kz.cvety.edge.bench;

import java.time.Duration;

import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.cloud.gateway.filter.ratelimit.KeyResolver;
import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter;
import org.springframework.cloud.gateway.filter.ratelimit.RedisRateLimiter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.context.annotation.Profile;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import kz.cvety.otp.client.ClientIpResolver;

/**
 * The {@code bench} profile only ({@code load-test/bench.sh}): the client-IP {@link KeyResolver} that Spring
 * Cloud Gateway's own {@code RequestRateLimiter} needs on the {@code /bench/scg/**} routes, resolving the IP the
 * same way our {@code RateLimit} filter does, so the limiters are compared like for like; and the bucket4j
 * proxy manager that turns on Spring Cloud Gateway's {@code Bucket4jRateLimiter} for the second peer.
 */
@Configuration(proxyBeanMethods = false)
@Profile("bench")
public class BenchConfiguration {

	/** Bean name the bench routes refer to as {@code #{@benchClientIpKeyResolver}}. */
	public static final String KEY_RESOLVER = "benchClientIpKeyResolver";

	@Bean(KEY_RESOLVER)
	KeyResolver benchClientIpKeyResolver(@Value("${cvety.otp.trusted-proxy-hops:0}") int trustedProxyHops,
			@Value("${cvety.otp.ipv6-prefix-length:64}") int ipv6PrefixLength) {
		ClientIpResolver clientIps = new ClientIpResolver(trustedProxyHops, ipv6PrefixLength);
		return exchange -> Mono.just(clientIps.resolve(exchange.getRequest()).limitKey());
	}

	/** The bucket4j limiter's own Redis connection (bucket4j needs a String/byte[] codec). */
	@Bean(destroyMethod = "close")
	StatefulRedisConnection<String, byte[]> benchBucket4jConnection(LettuceConnectionFactory connectionFactory) {
		RedisClient client = (RedisClient) connectionFactory.getRequiredNativeClient();
		return client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
	}

	/**
	 * bucket4j's Lettuce proxy manager, as Spring Cloud Gateway's documentation sets it up for its
	 * {@code Bucket4jRateLimiter}: compare-and-swap based, buckets expiring once full again.
	 */
	@Bean
	AsyncProxyManager<String> benchBucket4jProxyManager(StatefulRedisConnection<String, byte[]> benchBucket4jConnection) {
		return Bucket4jLettuce.casBasedBuilder(benchBucket4jConnection)
			.expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
			.build()
			.asAsync();
	}

	/**
	 * With the bucket4j limiter there are two {@link RateLimiter}s; routes that name none keep Spring Cloud
	 * Gateway's default, the Redis one.
	 */
	@Bean
	@Primary
	RateLimiter<?> benchDefaultRateLimiter(RedisRateLimiter redisRateLimiter) {
		return redisRateLimiter;
	}

}
