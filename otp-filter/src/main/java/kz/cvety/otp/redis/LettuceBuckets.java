package kz.cvety.otp.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
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

import kz.cvety.otp.redis.ScriptRunner;

/**
 * bucket4j's buckets in Redis ({@link RedisCasProxyManager}) on their own connection (a {@code String} /
 * {@code byte[]} codec), made from the Lettuce client Spring already configured, so standalone, Sentinel and
 * Cluster Redis take the same path. The connection is opened off the event loop and on demand: the gateway starts, and
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

	private final Mono<Connected> connected;

	// Made once: every bucket step asks for it.
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
		this.connected = Mono.fromCallable(this::connect)
			.subscribeOn(Schedulers.boundedElastic())
			.cache(value -> Duration.ofMillis(Long.MAX_VALUE), error -> Duration.ZERO, () -> Duration.ZERO);
		this.manager = this.connected.map(Connected::buckets);
	}

	/** The proxy manager, connecting first if need be; fails while Redis cannot be reached. */
	public Mono<AsyncProxyManager<String>> manager() {
		return this.manager;
	}

	/** Runs the OTP Lua scripts on the same connection, by EVALSHA (EVAL after NOSCRIPT). */
	public ScriptRunner scriptRunner() {
		return (script, key, args) -> this.connected.flatMap(connection -> {
			byte[][] values = new byte[args.size()][];
			for (int i = 0; i < values.length; i++) {
				values[i] = args.get(i).getBytes(StandardCharsets.UTF_8);
			}
			RedisFuture<List<Object>> result = connection.api()
				.eval(script.getScriptAsString(), ScriptOutputType.MULTI, new Object[] { key }, values);
			return Mono.fromCompletionStage(result).map(LettuceBuckets::integers);
		});
	}

	/** Deletes {@code key} on the bucket connection; emits whether Redis held it. */
	public Mono<Boolean> delete(String key) {
		return this.connected.flatMap(connection -> Mono.fromCompletionStage(connection.manager().delete(key)));
	}

	private static List<Long> integers(List<Object> values) {
		List<Long> integers = new ArrayList<>(values.size());
		for (Object value : values) {
			integers.add((Long) value);
		}
		return integers;
	}

	/** Opens the connection in the background now, so the first request does not wait for it. */
	public void warmUp() {
		this.connected.subscribe(ready -> logger.debug("bucket4j Redis connection ready"),
				ex -> logger.warn("Redis not reachable for rate limits yet; will retry on demand: " + ex.getMessage()));
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private Connected connect() {
		StatefulConnection<String, byte[]> opened;
		EvalShaRedisApi<String> api;
		if (this.client instanceof RedisClusterClient cluster) {
			StatefulRedisClusterConnection<String, byte[]> clustered = cluster.connect(CODEC);
			opened = clustered;
			api = new EvalShaRedisApi<>(clustered.async());
		}
		else {
			StatefulRedisConnection<String, byte[]> single = ((RedisClient) this.client).connect(CODEC);
			opened = single;
			api = new EvalShaRedisApi<>(single.async());
		}
		opened.setTimeout(this.timeout);
		this.connection.set(opened);
		// Keys go to Lettuce as an Object[].
		EvalShaRedisApi<Object> commands = (EvalShaRedisApi) api;
		RedisCasProxyManager manager = new RedisCasProxyManager(commands, this.clock,
				ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)));
		return new Connected(manager.asAsync(), commands, manager);
	}

	private record Connected(AsyncProxyManager<String> buckets, EvalShaRedisApi<Object> api,
			RedisCasProxyManager manager) {
	}

	@Override
	public void close() {
		StatefulConnection<String, byte[]> opened = this.connection.getAndSet(null);
		// Spring's connection factory stops (and shuts the shared Lettuce client down, closing this connection
		// too) in the lifecycle phase, before beans are destroyed; closing again only logs a warning.
		if (opened != null && opened.isOpen()) {
			opened.close();
		}
	}

}
