package kz.cvety.otp.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Expiry;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ClientSideConfig;
import io.github.bucket4j.distributed.proxy.generic.compare_and_swap.AbstractCompareAndSwapBasedProxyManager;
import io.github.bucket4j.distributed.proxy.generic.compare_and_swap.AsyncCompareAndSwapOperation;
import io.github.bucket4j.distributed.proxy.generic.compare_and_swap.CompareAndSwapOperation;
import io.github.bucket4j.distributed.remote.CommandResult;
import io.github.bucket4j.distributed.remote.MutableBucketEntry;
import io.github.bucket4j.distributed.remote.RemoteBucketState;
import io.github.bucket4j.distributed.remote.RemoteCommand;
import io.github.bucket4j.distributed.remote.Request;
import io.github.bucket4j.distributed.remote.commands.CreateInitialStateAndExecuteCommand;
import io.github.bucket4j.distributed.remote.commands.CreateInitialStateWithVersionOrReplaceConfigurationAndExecuteCommand;
import io.github.bucket4j.distributed.remote.commands.CreateSnapshotCommand;
import io.github.bucket4j.distributed.remote.commands.EstimateAbilityToConsumeCommand;
import io.github.bucket4j.distributed.remote.commands.GetAvailableTokensCommand;
import io.github.bucket4j.distributed.remote.commands.GetConfigurationCommand;
import io.github.bucket4j.distributed.remote.commands.MultiCommand;
import io.github.bucket4j.distributed.remote.commands.VerboseCommand;
import io.lettuce.core.ScriptOutputType;

import kz.cvety.otp.support.LocalCaches;

/**
 * bucket4j's compare-and-swap proxy manager on Redis that skips the read where it can. A command that would
 * create its bucket first guesses what Redis holds: the state this instance last swapped in at the key, while
 * Redis should still hold it, else none. So a new key costs one script call (a create), and so does a key this
 * instance swapped last (a swap from what it wrote): a number range, a busy client IP, the fleet's budget, a
 * phone from its third code on. A compare-and-swap that fails answers with the state Redis holds, which the next
 * try starts from instead of a {@code GET}; any other key Redis holds (another instance wrote it since, or this
 * instance only created it) costs two calls, a create or swap that fails and a swap that lands. Only swapped states are remembered, not
 * created ones: most keys created are a new phone's, which this instance seldom writes again, and remembering
 * each would cost every send a cache write and an eviction.
 * <p>
 * No limit admits more for it: every write is a script that compares with what Redis holds at that moment
 * (creation only where there is no key, replacement only of the very state the command ran on), so a command
 * run on a wrong guess is never written, and run again on what Redis answered. A result is returned only
 * after Redis accepted its swap or, for a command that writes nothing, when it was computed from what Redis
 * sent. An expired key is "no state" again, to a read and to the scripts alike. The stored value is bucket4j's
 * serialized state, as its Lettuce proxy manager stores it, under the same key. A guess is only ever the first
 * try's starting point, never an answer: the states remembered are bounded in number and forgotten about when
 * their key would expire in Redis (the clock starts when the reply is handled, one round trip late).
 * <p>
 * Asynchronous only: the gateway never blocks on Redis.
 */
final class RedisCasProxyManager extends AbstractCompareAndSwapBasedProxyManager<String> {

	/** Creates a bucket unless Redis holds one; answers {@code {1}}, or {@code {0, held}}. */
	static final String CREATE_SCRIPT = "META-INF/scripts/bucket_create.lua";

	/** Replaces a bucket still holding the state read; answers {@code {1}}, or {@code {0, held}} or {@code {0}}. */
	static final String REPLACE_SCRIPT = "META-INF/scripts/bucket_replace.lua";

	private static final String CREATE = text(CREATE_SCRIPT);

	private static final String REPLACE = text(REPLACE_SCRIPT);

	/** How many keys' swapped-in states are remembered at most; Caffeine keeps the frequently used ones. */
	private static final int REMEMBERED = 10_000;

	private final EvalShaRedisApi<Object> redis;

	private final ExpirationAfterWriteStrategy expiration;

	// The state last swapped in at a key by this instance, until about when the key would expire in Redis: the
	// first guess of a command that writes it. Forgotten when a swap from it fails, so no guess is a state Redis has
	// already shown to be outdated.
	private final Cache<String, Written> written = LocalCaches.newBuilder()
		.maximumSize(REMEMBERED)
		.expireAfter(Expiry.writing((String key, Written value) -> Duration.ofNanos(value.ttlNanos())))
		.build();

	/**
	 * @param redis the bucket connection's commands, scripts by SHA
	 * @param clock the clock buckets refill by
	 * @param expiration how long a written bucket lives
	 */
	RedisCasProxyManager(EvalShaRedisApi<Object> redis, TimeMeter clock, ExpirationAfterWriteStrategy expiration) {
		super(ClientSideConfig.getDefault().withClientClock(clock).withExpirationAfterWriteStrategy(expiration));
		this.redis = redis;
		this.expiration = expiration;
	}

	// Hand-written rather than bucket4j's loop: that loop reads every bucket with a GET before its first
	// compare-and-swap, and gives beginAsyncCompareAndSwapOperation only the key, so an operation cannot tell a
	// command that creates its bucket from one that only reads it; no bucket4j setting skips that read. The
	// client-side configuration above sets no retry limit or strategy, so trying until a swap lands is all
	// bucket4j's loop would do besides.
	@Override
	public <T> CompletableFuture<CommandResult<T>> executeAsync(String key, Request<T> request) {
		Swap swap = beginAsyncCompareAndSwapOperation(key);
		if (createsItsBucket(request.getCommand())) {
			Written last = this.written.getIfPresent(key);
			swap.guess((last != null) ? Optional.of(last.state()) : Optional.empty());
		}
		return attempt(request, swap);
	}

	private <T> CompletableFuture<CommandResult<T>> attempt(Request<T> request, Swap swap) {
		return swap.getStateData(Optional.empty()).thenCompose(held -> {
			byte[] original = held.orElse(null);
			MutableBucketEntry entry = new MutableBucketEntry(original);
			CommandResult<T> result = request.getCommand().execute(entry, getClientSideTime());
			if (!entry.isStateModified()) {
				// Only what Redis sent answers a command that writes nothing; a guess is no answer.
				return swap.guessed() ? attempt(request, swap) : CompletableFuture.completedFuture(result);
			}
			byte[] updated = entry.getStateBytes(request.getBackwardCompatibilityVersion());
			return swap.compareAndSwap(original, updated, entry.get(), Optional.empty())
				.thenCompose(swapped -> swapped ? CompletableFuture.completedFuture(result) : attempt(request, swap));
		});
	}

	/**
	 * Whether {@code command} writes its bucket, creating it on an empty state: worth assuming Redis holds none.
	 * A read (a configuration, an estimate, tokens left) reads first, even one that carries the configuration:
	 * it is asked of buckets Redis holds, where the assumption would cost a round trip.
	 */
	static boolean createsItsBucket(RemoteCommand<?> command) {
		if (command instanceof MultiCommand multi) {
			return multi.getCommands().stream().anyMatch(RedisCasProxyManager::createsItsBucket);
		}
		return command.isInitializationCommand() && !reads(command);
	}

	private static boolean reads(RemoteCommand<?> command) {
		if (command instanceof CreateInitialStateWithVersionOrReplaceConfigurationAndExecuteCommand<?> created) {
			return reads(created.getTargetCommand());
		}
		if (command instanceof CreateInitialStateAndExecuteCommand<?> created) {
			return reads(created.getTargetCommand());
		}
		if (command instanceof VerboseCommand<?> verbose) {
			return reads(verbose.getTargetCommand());
		}
		return command instanceof GetConfigurationCommand || command instanceof EstimateAbilityToConsumeCommand
				|| command instanceof GetAvailableTokensCommand || command instanceof CreateSnapshotCommand;
	}

	@Override
	protected Swap beginAsyncCompareAndSwapOperation(String key) {
		return new Swap(key);
	}

	@Override
	protected CompareAndSwapOperation beginCompareAndSwapOperation(String key) {
		throw blocking();
	}

	@Override
	public void removeProxy(String key) {
		throw blocking();
	}

	/** Deletes {@code key}, first forgetting the state this instance swapped in there; answers whether Redis held it. */
	CompletableFuture<Boolean> delete(String key) {
		this.written.invalidate(key);
		return this.redis.delete(key).toCompletableFuture().thenApply(deleted -> deleted > 0);
	}

	@Override
	protected CompletableFuture<Void> removeAsync(String key) {
		return delete(key).thenApply(deleted -> null);
	}

	@Override
	public boolean isAsyncModeSupported() {
		return true;
	}

	@Override
	public boolean isExpireAfterWriteSupported() {
		return true;
	}

	private static UnsupportedOperationException blocking() {
		return new UnsupportedOperationException("Rate-limit buckets are asynchronous only: use asAsync()");
	}

	private static String text(String resource) {
		try (InputStream in = RedisCasProxyManager.class.getClassLoader().getResourceAsStream(resource)) {
			if (in == null) {
				throw new IllegalStateException("Missing Redis script " + resource);
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read the Redis script " + resource, ex);
		}
	}

	/** A state this instance swapped in, and how long Redis keeps it unless it is replaced. */
	private record Written(byte[] state, long ttlNanos) {
	}

	/**
	 * One command's compare-and-swap at one key, over its tries, one after another. It remembers what Redis
	 * answered a failed swap, or the state guessed before the first try, and hands that to the next read.
	 */
	private final class Swap implements AsyncCompareAndSwapOperation {

		private final Object[] keys;

		// The state the next read hands out without asking Redis; null to ask.
		private Optional<byte[]> known;

		private boolean guessed;

		Swap(String key) {
			this.keys = new Object[] { key };
		}

		/** Hands {@code state} (empty: no bucket) to the first read instead of asking Redis. */
		void guess(Optional<byte[]> state) {
			this.known = state;
			this.guessed = true;
		}

		/** Whether the state last handed out was guessed rather than sent by Redis. */
		boolean guessed() {
			return this.guessed;
		}

		@Override
		public CompletableFuture<Optional<byte[]>> getStateData(Optional<Long> timeoutNanos) {
			Optional<byte[]> state = this.known;
			if (state != null) {
				this.known = null;
				return CompletableFuture.completedFuture(state);
			}
			this.guessed = false;
			return RedisCasProxyManager.this.redis.get(this.keys[0]).toCompletableFuture().thenApply(Optional::ofNullable);
		}

		@Override
		public CompletableFuture<Boolean> compareAndSwap(byte[] originalData, byte[] newData,
				RemoteBucketState newState, Optional<Long> timeoutNanos) {
			long ttlMillis = RedisCasProxyManager.this.expiration.calculateTimeToLiveMillis(newState, currentTimeNanos());
			byte[] ttl = Long.toString(ttlMillis).getBytes(StandardCharsets.US_ASCII);
			EvalShaRedisApi<Object> redis = RedisCasProxyManager.this.redis;
			CompletableFuture<List<Object>> reply = (originalData == null)
					? redis.<List<Object>>eval(CREATE, ScriptOutputType.MULTI, this.keys, new byte[][] { newData, ttl })
						.toCompletableFuture()
					: redis.<List<Object>>eval(REPLACE, ScriptOutputType.MULTI, this.keys,
							new byte[][] { originalData, newData, ttl })
						.toCompletableFuture();
			String key = (String) this.keys[0];
			return reply.thenApply(values -> {
				if (((Long) values.get(0)) == 1L) {
					if (originalData != null) {
						RedisCasProxyManager.this.written.put(key, new Written(newData, ttlMillis * 1_000_000L));
					}
					return true;
				}
				RedisCasProxyManager.this.written.invalidate(key);
				this.known = Optional.ofNullable((values.size() > 1) ? (byte[]) values.get(1) : null);
				this.guessed = false;
				return false;
			});
		}

	}

}
