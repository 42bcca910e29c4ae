package kz.cvety.otp.ratelimit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * bucket4j's Lettuce proxy manager on its own connection (bucket4j needs a {@code String}/{@code byte[]}
 * codec), made from the Lettuce client Spring already configured, so standalone, Sentinel and Cluster Redis
 * take the same path. The connection is opened off the event loop and on demand: the gateway starts, and
 * answers 503 on OTP routes, while Redis is still down, and connects once it is back. Buckets expire once
 * they would be full again, so no key outlives its use.
 */
public final class LettuceBuckets implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(LettuceBuckets.class);

	private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

	private final AbstractRedisClient client;

	private final TimeMeter clock;

	private final Duration timeout;

	private final AtomicReference<StatefulConnection<String, byte[]>> connection = new AtomicReference<>();

	private final Mono<AsyncProxyManager<String>> manager;

	/**
	 * @param client the Lettuce client of Spring's connection factory
	 * @param clock the clock buckets refill by
	 * @param timeout command timeout of the bucket connection
	 */
	public LettuceBuckets(AbstractRedisClient client, TimeMeter clock, Duration timeout) {
		this.client = client;
		this.clock = clock;
		this.timeout = timeout;
		this.manager = Mono.fromCallable(this::connect)
			.subscribeOn(Schedulers.boundedElastic())
			.cache(value -> Duration.ofMillis(Long.MAX_VALUE), error -> Duration.ZERO, () -> Duration.ZERO);
	}

	/** The proxy manager, connecting first if need be; fails while Redis cannot be reached. */
	public Mono<AsyncProxyManager<String>> manager() {
		return this.manager;
	}

	/** Opens the connection in the background now, so the first request does not wait for it. */
	public void warmUp() {
		this.manager.subscribe(ready -> logger.debug("bucket4j Redis connection ready"),
				ex -> logger.warn("Redis not reachable for rate limits yet; will retry on demand: " + ex.getMessage()));
	}

	private AsyncProxyManager<String> connect() {
		StatefulConnection<String, byte[]> opened;
		Bucket4jLettuce.LettuceBasedProxyManagerBuilder<String> builder;
		if (this.client instanceof RedisClusterClient cluster) {
			StatefulRedisClusterConnection<String, byte[]> clustered = cluster.connect(CODEC);
			opened = clustered;
			builder = new Bucket4jLettuce.LettuceBasedProxyManagerBuilder<>(new EvalShaRedisApi<>(clustered.async()));
		}
		else {
			StatefulRedisConnection<String, byte[]> single = ((RedisClient) this.client).connect(CODEC);
			opened = single;
			builder = new Bucket4jLettuce.LettuceBasedProxyManagerBuilder<>(new EvalShaRedisApi<>(single.async()));
		}
		opened.setTimeout(this.timeout);
		this.connection.set(opened);
		return builder
			.expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
			.clientClock(this.clock)
			.build()
			.asAsync();
	}

	@Override
	public void close() {
		StatefulConnection<String, byte[]> opened = this.connection.getAndSet(null);
		if (opened != null) {
			opened.close();
		}
	}

}
