package kz.cvety.otp.redis;

import java.util.List;

import reactor.core.publisher.Mono;

import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * Runs one of the OTP Lua scripts on one key. The gateway runs them on the same lean Lettuce connection as the
 * rate limits; the {@code --verify-redis} command runs them through Spring's template.
 */
@FunctionalInterface
public interface ScriptRunner {

	/** Runs {@code script} with {@code key} as KEYS[1] and {@code args} as ARGV; emits its integer results. */
	Mono<List<Long>> run(RedisScript<List<Long>> script, String key, List<String> args);

	/** Runs scripts through Spring Data Redis (EVALSHA, with EVAL after NOSCRIPT). */
	static ScriptRunner of(ReactiveStringRedisTemplate redis) {
		return (script, key, args) -> redis.execute(script, List.of(key), args).next();
	}

}
