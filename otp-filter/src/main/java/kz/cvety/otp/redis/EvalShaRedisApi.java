package kz.cvety.otp.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

/**
 * The bucket connection's commands, its scripts by {@code EVALSHA}: a script's whole text with every call would
 * have Redis hash it on every call; by SHA it crosses the wire once. After a script-cache flush or a restart
 * ({@code NOSCRIPT}) the call falls back to {@code EVAL}, which loads the script again. Written by hand because
 * Lettuce offers no such fallback.
 */
final class EvalShaRedisApi<K> {

	private final RedisClusterAsyncCommands<K, byte[]> commands;

	private final Map<String, String> digests = new ConcurrentHashMap<>();

	// Generic in the key type on purpose: callers hand keys over as an Object[], which a String[] parameter would
	// fail to take.
	EvalShaRedisApi(RedisClusterAsyncCommands<K, byte[]> commands) {
		this.commands = commands;
	}

	/** Runs {@code script} by its SHA, by its text after {@code NOSCRIPT}. */
	<V> RedisFuture<V> eval(String script, ScriptOutputType type, K[] keys, byte[][] params) {
		String digest = this.digests.computeIfAbsent(script,
				text -> HexFormat.of().formatHex(sha1(text.getBytes(StandardCharsets.UTF_8))));
		Result<V> result = new Result<>();
		this.commands.<V>evalsha(digest, type, keys, params).whenComplete((value, error) -> {
			if (error == null) {
				result.complete(value);
			}
			else if (isNoScript(error)) {
				this.commands.<V>eval(script, type, keys, params).whenComplete((retried, retryError) -> {
					if (retryError == null) {
						result.complete(retried);
					}
					else {
						result.completeExceptionally(retryError);
					}
				});
			}
			else {
				result.completeExceptionally(error);
			}
		});
		return result;
	}

	RedisFuture<byte[]> get(K key) {
		return this.commands.get(key);
	}

	RedisFuture<Long> delete(K key) {
		return this.commands.del(key);
	}

	private static boolean isNoScript(Throwable error) {
		Throwable cause = (error instanceof CompletionException && error.getCause() != null)
				? error.getCause() : error;
		return cause instanceof RedisNoScriptException
				|| (cause.getMessage() != null && cause.getMessage().startsWith("NOSCRIPT"));
	}

	private static byte[] sha1(byte[] text) {
		try {
			return MessageDigest.getInstance("SHA-1").digest(text);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-1 is not available", ex);
		}
	}

	/** A future bucket4j can take as a Lettuce {@link RedisFuture}. */
	private static final class Result<V> extends CompletableFuture<V> implements RedisFuture<V> {

		@Override
		public String getError() {
			if (!isCompletedExceptionally()) {
				return null;
			}
			try {
				join();
				return null;
			}
			catch (RuntimeException ex) {
				return (ex.getCause() != null) ? ex.getCause().getMessage() : ex.getMessage();
			}
		}

		@Override
		public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
			try {
				get(timeout, unit);
				return true;
			}
			catch (ExecutionException ex) {
				return true;
			}
			catch (TimeoutException ex) {
				return false;
			}
		}

	}

}
