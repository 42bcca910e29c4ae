package kz.cvety.otp.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import reactor.core.publisher.Mono;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.script.RedisScript;

import kz.cvety.otp.redis.ScriptRunner;
import kz.cvety.otp.resilience.RedisGuard;

/**
 * The Redis side of the OTP flow: each step is one Lua script over one phone's key, so it is atomic, works the
 * same on standalone, Sentinel and Cluster Redis, and leaves expiry to Redis's clock. Only HMACs of codes are
 * stored.
 */
public final class OtpStore {

	/** Script resource of {@link #issue}. */
	public static final String ISSUE_SCRIPT = "META-INF/scripts/otp_issue.lua";

	/** Script resource of {@link #reserveAttempt}. */
	public static final String ATTEMPT_SCRIPT = "META-INF/scripts/otp_attempt.lua";

	/** Script resource of {@link #verify}. */
	public static final String VERIFY_SCRIPT = "META-INF/scripts/otp_verify.lua";

	/** Script resource of {@link #discard}. */
	public static final String DISCARD_SCRIPT = "META-INF/scripts/otp_discard.lua";

	private final ScriptRunner runner;

	private final OtpKeys keys;

	private final RedisGuard guard;

	private final Scripts scripts;

	public OtpStore(ScriptRunner runner, OtpKeys keys, RedisGuard guard, Scripts scripts) {
		this.runner = runner;
		this.keys = keys;
		this.guard = guard;
		this.scripts = scripts;
	}

	/** Stores a new code (its HMAC) for {@code phone}, replacing any earlier code and its attempt count. */
	public Mono<Void> issue(String phone, String codeHash, long generation, Duration ttl) {
		return run("issue", this.scripts.issue(), this.keys.code(phone), codeHash, Long.toString(generation),
				Long.toString(ttl.toMillis()))
			.then();
	}

	/** Reserves one verification attempt of the phone's live code; at most {@code maxAttempts} are admitted. */
	public Mono<AttemptReservation> reserveAttempt(String phone, int maxAttempts) {
		return run("reserve-attempt", this.scripts.attempt(), this.keys.code(phone), Integer.toString(maxAttempts))
			.map(result -> {
				AttemptReservation.Status status = switch (result.get(0).intValue()) {
					case 1 -> AttemptReservation.Status.ADMITTED;
					case 2 -> AttemptReservation.Status.EXHAUSTED;
					default -> AttemptReservation.Status.NO_CODE;
				};
				return new AttemptReservation(status, result.get(1).intValue(),
						Duration.ofMillis(Math.max(0, result.get(2))), result.get(3));
			});
	}

	/**
	 * Compares {@code candidateHash} with the live code admitted as {@code generation}, in constant time, and
	 * deletes the code on success in the same step.
	 */
	public Mono<VerifyResult> verify(String phone, String candidateHash, long generation) {
		return run("verify", this.scripts.verify(), this.keys.code(phone), candidateHash, Long.toString(generation))
			.map(result -> switch (result.get(0).intValue()) {
				case 1 -> VerifyResult.VERIFIED;
				case 2 -> VerifyResult.WRONG_CODE;
				default -> VerifyResult.NO_CODE;
			});
	}

	/** Removes an undelivered code, unless a newer code replaced it meanwhile. */
	public Mono<Boolean> discard(String phone, long generation) {
		return run("discard", this.scripts.discard(), this.keys.code(phone), Long.toString(generation))
			.map(result -> result.get(0) == 1L);
	}

	private Mono<List<Long>> run(String step, RedisScript<List<Long>> script, String key, String... args) {
		return this.guard.guard(step, Mono.defer(() -> this.runner.run(script, key, List.of(args))));
	}

	/**
	 * The store's Lua scripts, loaded once; Spring sends EVALSHA and falls back to EVAL after a script-cache
	 * flush (NOSCRIPT).
	 */
	public record Scripts(RedisScript<List<Long>> issue, RedisScript<List<Long>> attempt,
			RedisScript<List<Long>> verify, RedisScript<List<Long>> discard) {

		/** The scripts from their resources under {@code META-INF/scripts/}. */
		public static Scripts fromResources() {
			return new Scripts(script(ISSUE_SCRIPT), script(ATTEMPT_SCRIPT), script(VERIFY_SCRIPT),
					script(DISCARD_SCRIPT));
		}

		/**
		 * One script resource, as a script returning a list of integers. The text is read once, here: a script
		 * made from the resource itself reads it from the jar again on every call.
		 */
		@SuppressWarnings({ "unchecked", "rawtypes" })
		public static RedisScript<List<Long>> script(String resource) {
			try {
				String text = new ClassPathResource(resource).getContentAsString(StandardCharsets.UTF_8);
				return (RedisScript) RedisScript.of(text, List.class);
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Cannot read the Redis script " + resource, ex);
			}
		}

	}

}
