package kz.cvety.otp.ratelimit;

import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConfigurationBuilder;


/**
 * One named limit as the request path sees it: immutable, built from the bound properties, replaced whole
 * when ops refresh the configuration.
 *
 * @param name the limit's name in answers, logs and metrics, e.g. {@code send-per-phone}
 * @param limits all must pass
 * @param refill how the bucket refills
 * @param sync how far an instance may count ahead of Redis; {@link SyncBound#NONE} for a key few requests share
 */
public record NamedLimit(String name, List<Limit> limits, Refill refill, SyncBound sync) {

	public NamedLimit {
		if (limits.isEmpty()) {
			throw new IllegalArgumentException("limit " + name + " needs at least one COUNT/DURATION");
		}
		limits = List.copyOf(limits);
	}

	/** A limit every request checks in Redis. */
	public NamedLimit(String name, List<Limit> limits, Refill refill) {
		this(name, limits, refill, SyncBound.NONE);
	}

	/** This limit, counted ahead of Redis by at most {@code sync}. */
	public NamedLimit withSync(SyncBound sync) {
		return new NamedLimit(this.name, this.limits, this.refill, sync);
	}

	/** The quota announced in {@code RateLimit-Limit}: the tightest count. */
	public long quota() {
		return this.limits.stream().mapToLong(Limit::count).min().orElseThrow();
	}

	/**
	 * The bucket4j configuration: one bandwidth per limit, identified by its period. bucket4j carries tokens over
	 * a configuration replacement only between bandwidths it can match, and matches several bandwidths only by
	 * id: without ids every refresh or gateway start would refill a multi-limit bucket.
	 */
	public BucketConfiguration bucketConfiguration() {
		ConfigurationBuilder builder = BucketConfiguration.builder();
		Map<Duration, Integer> seen = new HashMap<>();
		for (Limit limit : this.limits) {
			int occurrence = seen.merge(limit.period(), 1, Integer::sum);
			builder.addLimit(bandwidth(limit, limit.period() + ((occurrence > 1) ? "#" + occurrence : "")));
		}
		return builder.build();
	}

	/** The longest period, beyond which an untouched bucket is full again and may expire. */
	public Duration longestPeriod() {
		return this.limits.stream().map(Limit::period).max(Comparator.naturalOrder()).orElseThrow();
	}

	private Bandwidth bandwidth(Limit limit, String id) {
		return switch (this.refill) {
			case GREEDY -> Bandwidth.builder()
				.capacity(limit.count())
				.refillGreedy(limit.count(), limit.period())
				.id(id)
				.build();
			case INTERVAL -> Bandwidth.builder()
				.capacity(limit.count())
				.refillIntervally(limit.count(), limit.period())
				.id(id)
				.build();
		};
	}

	@Override
	public String toString() {
		return this.name + "=" + this.limits;
	}

}
