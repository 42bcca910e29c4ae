package kz.cvety.otp.pumping;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
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
 * a scope converts too few of them. A send is admitted and counted by one script per scope, sent together: a scope
 * blocked refuses it, and the code that makes a scope suspected blocks it in the same script, so concurrent sends
 * see each other's counts. A code that does not go out after all is taken back after the answer.
 */
public final class PumpingGuard {

	private static final Log logger = LogFactory.getLog(PumpingGuard.class);

	/** Script resource of {@link #uncount}. */
	public static final String UNCOUNT_SCRIPT = "META-INF/scripts/pumping_uncount.lua";

	/** Script resource of the counting in {@link #admit} and {@link #verified}. */
	public static final String COUNT_SCRIPT = "META-INF/scripts/pumping_count.lua";

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

	/**
	 * Admits a code to a number of {@code targets} unless one of them is blocked, counting it in every scope that
	 * admits it; each scope's script is a step guarded by {@code steps}, e.g. a phase that asks rate limits at the
	 * same time. A scope the count makes suspected is blocked, and the listener told. Never fails: a scope whose
	 * script failed is in the answer's error, and the scopes counted are in it whatever the others answered, for
	 * {@link #uncount} once the code is known not to go out.
	 */
	public Mono<Admitted> admit(PumpingPolicy policy, List<Target> targets, RedisGuard.Steps steps, int suffixDigits,
			boolean dryRun) {
		String stepMillis = Long.toString(policy.step().toMillis());
		String windowSteps = Integer.toString(policy.steps());
		String minSends = Integer.toString(policy.minSends());
		String minConversion = Double.toString(policy.minConversion());
		String blockMillis = Long.toString(policy.blockFor().toMillis());
		return Flux.fromIterable(targets)
			.flatMap(target -> run(steps, "pumping-admit", this.scripts.count(), target, "s", stepMillis, windowSteps, "",
					minSends, minConversion, blockMillis)
				.map(result -> {
					if (result.get(0) > 0) {
						return new Answer(new Blocked(target, Duration.ofMillis(result.get(0))), null, null);
					}
					if (result.get(2) == 1L) {
						suspected(policy, target, result.get(3), result.get(4), suffixDigits, dryRun);
					}
					return new Answer(null, new Counted(target, result.get(1), result.get(5)), null);
				})
				.onErrorResume(ex -> Mono.just(new Answer(null, null, ex))))
			.collectList()
			.map(PumpingGuard::admitted);
	}

	private static Admitted admitted(List<Answer> answers) {
		Blocked longest = null;
		Throwable error = null;
		List<Counted> counted = new ArrayList<>(answers.size());
		for (Answer answer : answers) {
			Blocked blocked = answer.blocked();
			if (blocked != null && (longest == null || blocked.left().compareTo(longest.left()) > 0)) {
				longest = blocked;
			}
			if (answer.counted() != null) {
				counted.add(answer.counted());
			}
			if (error == null) {
				error = answer.error();
			}
		}
		return new Admitted(longest, List.copyOf(counted), error);
	}

	/** Takes back the codes {@link #admit} counted, for a code that did not go out; every scope in one phase. */
	public Mono<Void> uncount(List<Counted> counted) {
		if (counted.isEmpty()) {
			return Mono.empty();
		}
		return this.guard.phase(steps -> Flux.fromIterable(counted)
			.flatMap(count -> run(steps, "pumping-uncount", this.scripts.uncount(), count.target(),
					Long.toString(count.step()), Long.toString(count.generation())))
			.then());
	}

	/** Counts a verified code of a number of {@code targets}, every scope in one phase. */
	public Mono<Void> verified(PumpingPolicy policy, List<Target> targets) {
		return this.guard.phase(steps -> Flux.fromIterable(targets)
			.flatMap(target -> run(steps, "pumping-count", this.scripts.count(), target, "v",
					Long.toString(policy.step().toMillis()), Integer.toString(policy.steps()), ""))
			.then());
	}

	private void suspected(PumpingPolicy policy, Target target, long sent, long verified, int suffixDigits,
			boolean dryRun) {
		logger.warn("SMS pumping suspected: " + target.describe(suffixDigits) + " was sent " + sent + " codes and verified "
				+ verified + " in " + policy.window() + "; " + (dryRun ? "codes to it would be refused (dry run)"
						: "codes to it are refused") + " for " + policy.blockFor() + " (" + PumpingPolicy.LIMIT_NAME + ")");
		this.listener.suspected(target.scope(), dryRun);
	}

	private Mono<List<Long>> run(RedisGuard.Steps steps, String step, RedisScript<List<Long>> script, Target target,
			String... args) {
		String key = this.keys.pumping(target.scope().tag(), target.value());
		return steps.step(step, Mono.defer(() -> this.runner.run(script, key, List.of(args))));
	}

	/** One scope's answer to {@link #admit}: blocked, counted, or failed. */
	private record Answer(@Nullable Blocked blocked, @Nullable Counted counted, @Nullable Throwable error) {
	}

	/**
	 * What {@link #admit} answered.
	 *
	 * @param blocked the blocked scope with the longest time left, or null when none is
	 * @param counted the scopes that counted the code, to take back if it does not go out
	 * @param error why a scope did not answer, or null when all did
	 */
	public record Admitted(@Nullable Blocked blocked, List<Counted> counted, @Nullable Throwable error) {
	}

	/**
	 * A code counted in one scope.
	 *
	 * @param target the scope
	 * @param step the counting step (of the window) it was counted in
	 * @param generation the scope's counts it was counted in, until a block or an expiry starts them afresh
	 */
	public record Counted(Target target, long step, long generation) {
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
	public record Scripts(RedisScript<List<Long>> count, RedisScript<List<Long>> uncount) {

		/** The scripts from their resources under {@code META-INF/scripts/}. */
		public static Scripts fromResources() {
			return new Scripts(OtpStore.Scripts.script(COUNT_SCRIPT), OtpStore.Scripts.script(UNCOUNT_SCRIPT));
		}

	}

}
