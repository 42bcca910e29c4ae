package kz.cvety.otp.pumping;

import java.time.Duration;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.core.script.RedisScript;

import kz.cvety.otp.pumping.PumpingPolicy.Target;
import kz.cvety.otp.redis.ScriptRunner;
import kz.cvety.otp.resilience.RedisGuard;
import kz.cvety.otp.store.OtpKeys;
import kz.cvety.otp.store.OtpStore;

/**
 * The Redis side of the pumping guard: per scope, codes sent and verified over a sliding window, and a block once
 * a scope converts too few of them. A check is one script per scope, sent together; counting runs after the
 * answer, and only a send that makes its scope suspected costs a second script, the one that blocks it.
 */
public final class PumpingGuard {

	private static final Log logger = LogFactory.getLog(PumpingGuard.class);

	/** Script resource of {@link #check}. */
	public static final String CHECK_SCRIPT = "META-INF/scripts/pumping_check.lua";

	/** Script resource of the counting in {@link #sent} and {@link #verified}. */
	public static final String COUNT_SCRIPT = "META-INF/scripts/pumping_count.lua";

	/** Script resource of blocking a suspected scope. */
	public static final String BLOCK_SCRIPT = "META-INF/scripts/pumping_block.lua";

	private final ScriptRunner runner;

	private final OtpKeys keys;

	private final RedisGuard guard;

	private final Scripts scripts;

	private volatile Listener listener = Listener.NONE;

	public PumpingGuard(ScriptRunner runner, OtpKeys keys, RedisGuard guard, Scripts scripts) {
		this.runner = runner;
		this.keys = keys;
		this.guard = guard;
		this.scripts = scripts;
	}

	/** Sets who hears of suspected scopes (metrics). */
	public void listenWith(Listener listener) {
		this.listener = listener;
	}

	/** The longest block among {@code targets}, or empty when none of them is blocked. */
	public Mono<Blocked> check(List<Target> targets) {
		return check(targets, this.guard::guard);
	}

	/**
	 * The longest block among {@code targets}, or empty when none of them is blocked; each scope's script is a step
	 * guarded by {@code steps}, e.g. a phase that asks rate limits at the same time.
	 */
	public Mono<Blocked> check(List<Target> targets, RedisGuard.Steps steps) {
		return Flux.fromIterable(targets)
			.flatMap(target -> run(steps, "pumping-check", this.scripts.check(), target, "")
				.filter(result -> result.get(0) > 0)
				.map(result -> new Blocked(target, Duration.ofMillis(result.get(0)))))
			.reduce((a, b) -> (a.left().compareTo(b.left()) >= 0) ? a : b);
	}

	/**
	 * Counts a code sent to a number of {@code targets}, every scope in one phase; blocks each scope the count makes
	 * suspected, and tells the listener.
	 */
	public Mono<Void> sent(PumpingPolicy policy, List<Target> targets, int suffixDigits, boolean dryRun) {
		return this.guard.phase(steps -> Flux.fromIterable(targets)
			.flatMap(target -> count(steps, policy, target, "s")
				.filter(counts -> policy.suspects(counts.get(0), counts.get(1)))
				.map(counts -> new Suspect(target, counts.get(0), counts.get(1))))
			.collectList())
			.flatMapMany(Flux::fromIterable)
			.flatMap(suspect -> run(this.guard::guard, "pumping-block", this.scripts.block(), suspect.target(),
					Long.toString(policy.blockFor().toMillis()), "")
				.doOnNext(result -> {
					if (result.get(0) == 1L) {
						suspected(policy, suspect.target(), suspect.sent(), suspect.verified(), suffixDigits, dryRun);
					}
				}))
			.then();
	}

	/** Counts a verified code of a number of {@code targets}, every scope in one phase. */
	public Mono<Void> verified(PumpingPolicy policy, List<Target> targets) {
		return this.guard.phase(steps -> Flux.fromIterable(targets).flatMap(target -> count(steps, policy, target, "v")).then());
	}

	private void suspected(PumpingPolicy policy, Target target, long sent, long verified, int suffixDigits,
			boolean dryRun) {
		logger.warn("SMS pumping suspected: " + target.describe(suffixDigits) + " was sent " + sent + " codes and verified "
				+ verified + " in " + policy.window() + "; " + (dryRun ? "codes to it would be refused (dry run)"
						: "codes to it are refused") + " for " + policy.blockFor() + " (" + PumpingPolicy.LIMIT_NAME + ")");
		this.listener.suspected(target.scope(), dryRun);
	}

	private Mono<List<Long>> count(RedisGuard.Steps steps, PumpingPolicy policy, Target target, String kind) {
		return run(steps, "pumping-count", this.scripts.count(), target, kind, Long.toString(policy.step().toMillis()),
				Integer.toString(policy.steps()), "");
	}

	private Mono<List<Long>> run(RedisGuard.Steps steps, String step, RedisScript<List<Long>> script, Target target,
			String... args) {
		String key = this.keys.pumping(target.scope().tag(), target.value());
		return steps.step(step, Mono.defer(() -> this.runner.run(script, key, List.of(args))));
	}

	/** A scope a count made suspected, with its counts. */
	private record Suspect(Target target, long sent, long verified) {
	}

	/**
	 * A blocked scope and the time left of its block.
	 *
	 * @param target the scope
	 * @param left time until codes to it are admitted again
	 */
	public record Blocked(Target target, Duration left) {
	}

	/** Hears of scopes the guard suspected. */
	@FunctionalInterface
	public interface Listener {

		/** Hears nothing. */
		Listener NONE = (scope, dryRun) -> {
		};

		/** A scope of kind {@code scope} was just suspected, and blocked unless in dry run. */
		void suspected(PumpingScope scope, boolean dryRun);

	}

	/** The guard's Lua scripts, loaded once. */
	public record Scripts(RedisScript<List<Long>> check, RedisScript<List<Long>> count, RedisScript<List<Long>> block) {

		/** The scripts from their resources under {@code META-INF/scripts/}. */
		public static Scripts fromResources() {
			return new Scripts(OtpStore.Scripts.script(CHECK_SCRIPT), OtpStore.Scripts.script(COUNT_SCRIPT),
					OtpStore.Scripts.script(BLOCK_SCRIPT));
		}

	}

}
