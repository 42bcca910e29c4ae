package kz.cvety.otp.redis;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.bucket4j.TimeMeter;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A bucket4j clock anchored to Redis's {@code TIME}: every gateway instance refills buckets by the same clock,
 * so a JVM whose clock runs ahead cannot hand out tokens early. The offset is sampled in the background (half
 * the round trip corrects for latency); reading the clock never touches the network. Until the first sample
 * lands, and whenever Redis is unreachable, the last known offset (at first zero) is used.
 */
public final class RedisTimeMeter implements TimeMeter, AutoCloseable {

	private static final Log logger = LogFactory.getLog(RedisTimeMeter.class);

	private final Mono<Long> redisTimeMicros;

	private final long baseWallNanos = TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());

	private final long baseMonotonicNanos = System.nanoTime();

	private volatile long offsetNanos;

	private final Disposable sampling;

	/**
	 * @param redisTimeMicros emits Redis's current time in microseconds since the epoch
	 * @param every how often to re-sample
	 */
	public RedisTimeMeter(Mono<Long> redisTimeMicros, Duration every) {
		this.redisTimeMicros = redisTimeMicros;
		this.sampling = Flux.interval(Duration.ZERO, every)
			.concatMap(tick -> sample().onErrorResume(ex -> {
				logger.debug("Could not sample Redis TIME; keeping the last offset: " + ex);
				return Mono.empty();
			}))
			.subscribe();
	}

	@Override
	public long currentTimeNanos() {
		return localNanos() + this.offsetNanos;
	}

	@Override
	public boolean isWallClockBased() {
		return true;
	}

	/** Current offset of Redis's clock from this JVM's, for logs and tests. */
	public Duration offset() {
		return Duration.ofNanos(this.offsetNanos);
	}

	Mono<Long> sample() {
		return Mono.defer(() -> {
			long sent = localNanos();
			return this.redisTimeMicros.map(micros -> {
				long received = localNanos();
				long localMidpoint = sent + (received - sent) / 2;
				long offset = TimeUnit.MICROSECONDS.toNanos(micros) - localMidpoint;
				this.offsetNanos = offset;
				return offset;
			});
		});
	}

	// Wall-clock based but monotonic between samples: a JVM clock step does not jump the buckets.
	private long localNanos() {
		return this.baseWallNanos + (System.nanoTime() - this.baseMonotonicNanos);
	}

	@Override
	public void close() {
		this.sampling.dispose();
	}

}
