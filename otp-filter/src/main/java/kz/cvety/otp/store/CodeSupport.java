package kz.cvety.otp.store;

import java.time.Duration;
import java.util.List;

import reactor.core.publisher.Mono;

import org.springframework.data.redis.core.script.RedisScript;

import kz.cvety.otp.redis.ScriptRunner;
import kz.cvety.otp.resilience.RedisGuard;

/**
 * Support's access to one phone's code: a read that changes nothing and answers no secret, and a removal. Each
 * is one Lua script over the phone's code key, on the same connection and guard as {@link OtpStore}.
 */
public final class CodeSupport {

	/** Script resource of {@link #lookup}. */
	public static final String LOOKUP_SCRIPT = "META-INF/scripts/otp_lookup.lua";

	/** Script resource of {@link #remove}. */
	public static final String REMOVE_SCRIPT = "META-INF/scripts/otp_remove.lua";

	private final ScriptRunner runner;

	private final OtpKeys keys;

	private final RedisGuard guard;

	private final RedisScript<List<Long>> lookup = OtpStore.Scripts.script(LOOKUP_SCRIPT);

	private final RedisScript<List<Long>> remove = OtpStore.Scripts.script(REMOVE_SCRIPT);

	public CodeSupport(ScriptRunner runner, OtpKeys keys, RedisGuard guard) {
		this.runner = runner;
		this.keys = keys;
		this.guard = guard;
	}

	/** Whether {@code phone} has a live code, the attempts it used and the time it has left. */
	public Mono<CodeStatus> lookup(String phone) {
		return run("support-lookup", this.lookup, phone).map(result -> (result.get(0) == 1L)
				? new CodeStatus(true, result.get(1).intValue(), Duration.ofMillis(Math.max(0, result.get(2))))
				: CodeStatus.NONE);
	}

	/** Removes the live code of {@code phone}; emits whether there was one. */
	public Mono<Boolean> remove(String phone) {
		return run("support-remove", this.remove, phone).map(result -> result.get(0) == 1L);
	}

	private Mono<List<Long>> run(String step, RedisScript<List<Long>> script, String phone) {
		return this.guard.guard(step, Mono.defer(() -> this.runner.run(script, this.keys.code(phone), List.of())));
	}

}
