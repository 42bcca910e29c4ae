package kz.cvety.otp.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.BucketState;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.distributed.proxy.optimization.Optimization;
import io.github.bucket4j.distributed.remote.CommandResult;
import io.github.bucket4j.distributed.remote.MutableBucketEntry;
import io.github.bucket4j.distributed.remote.RemoteBucketState;
import io.github.bucket4j.distributed.remote.RemoteCommand;
import io.github.bucket4j.distributed.remote.commands.CreateInitialStateWithVersionOrReplaceConfigurationAndExecuteCommand;

/**
 * bucket4j's implicit configuration replacement with what each key used kept: every window of the new
 * configuration starts at its capacity less the tokens the key used in that window, raised or lowered alike.
 * Applied as an {@link Optimization}, the one hook on the proxy's command path, inside the same compare-and-swap.
 */
final class UsedTokensInheritance extends CommandRewrite {

	// Why not one of bucket4j's strategies: a bucket stores the tokens left, not the tokens used. ADDITIVE gives
	// capacity - used when a window is raised (10/1m -> 20/1m after 3 used: 17) but falls back to AS_IS when it is
	// lowered, min(new capacity, left): 3 of 10/1m used, then 2/1m, leaves 2, so 5 pass in a minute. PROPORTIONALLY
	// scales what is left (7/10 of 2: 1 more), RESET forgets the use, AS_IS keeps the tokens left up to the new
	// capacity. Only "new capacity - used", which may be below zero, keeps each window's count; a window that goes
	// negative admits nothing until refill (greedy: a token at a time; interval: the whole count at the window's next
	// boundary, which the replacement keeps) brings it back above zero.

	UsedTokensInheritance(Optimization inner) {
		super(inner);
	}

	@Override
	CommandRewrite before(Optimization inner) {
		return new UsedTokensInheritance(inner);
	}

	@Override
	<T> RemoteCommand<T> rewrite(RemoteCommand<T> command) {
		if (command instanceof CreateInitialStateWithVersionOrReplaceConfigurationAndExecuteCommand<T> replacing
				&& !(command instanceof ReplaceKeepingUsed)) {
			return new ReplaceKeepingUsed<>(replacing);
		}
		return command;
	}

	/**
	 * The state {@code previous} becomes under {@code next} at {@code now}: each window of {@code next} holds its
	 * capacity less what the key used in the same window of {@code previous} (matched by bandwidth id, as bucket4j
	 * matches them), possibly below zero.
	 */
	static BucketState inherit(BucketState previous, BucketConfiguration next, long now) {
		BucketState old = previous.copy();
		old.refillAllBandwidth(now);
		Bandwidth[] before = old.getConfiguration().getBandwidths();
		Bandwidth[] after = next.getBandwidths();
		// ADDITIVE already leaves a raised or unchanged window at capacity - used, with its refill time and the
		// fraction of a token refilled so far; a lowered window it leaves too full, and a window new to the key full.
		BucketState inherited = old.replaceConfiguration(next, TokensInheritanceStrategy.ADDITIVE, now);
		long[] owed = new long[after.length];
		long most = 0;
		for (int i = 0; i < after.length; i++) {
			owed[i] = Math.max(0, inherited.getCurrentSize(i) - (after[i].getCapacity() - used(old, before, after[i])));
			most = Math.max(most, owed[i]);
		}
		if (most == 0) {
			return inherited;
		}
		// bucket4j consumes from all windows at once. To charge each window its own debt: raise every window by the
		// largest debt less its own (ADDITIVE adds exactly that), consume the largest debt, and go back to the
		// configured capacities (AS_IS keeps the count, now within them). All at one instant: nothing refills between.
		List<Bandwidth> widened = new ArrayList<>(after.length);
		for (int i = 0; i < after.length; i++) {
			widened.add(withCapacity(after[i], after[i].getCapacity() + most - owed[i]));
		}
		BucketState charging = inherited.replaceConfiguration(new BucketConfiguration(widened),
				TokensInheritanceStrategy.ADDITIVE, now);
		charging.consume(most);
		return charging.replaceConfiguration(next, TokensInheritanceStrategy.AS_IS, now);
	}

	/**
	 * Tokens the key used of the window {@code bandwidth}: from the stored window with its id, else (a window new to
	 * the key) the most used of any stored window no longer than it, since use within a shorter window happened
	 * within this one too; nothing when no such window exists.
	 */
	private static long used(BucketState old, Bandwidth[] before, Bandwidth bandwidth) {
		boolean nullIdsMatch = nullIds(before) < 2 && bandwidth.getId() == null;
		long shorter = 0;
		for (int j = 0; j < before.length; j++) {
			long used = Math.max(0, before[j].getCapacity() - old.getCurrentSize(j));
			if ((bandwidth.getId() != null || nullIdsMatch) && Objects.equals(bandwidth.getId(), before[j].getId())) {
				return used;
			}
			if (before[j].getRefillPeriodNanos() <= bandwidth.getRefillPeriodNanos()) {
				shorter = Math.max(shorter, used);
			}
		}
		return shorter;
	}

	private static int nullIds(Bandwidth[] bandwidths) {
		int count = 0;
		for (Bandwidth bandwidth : bandwidths) {
			if (bandwidth.getId() == null) {
				count++;
			}
		}
		return count;
	}

	private static Bandwidth withCapacity(Bandwidth bandwidth, long capacity) {
		Duration period = Duration.ofNanos(bandwidth.getRefillPeriodNanos());
		var refill = Bandwidth.builder().capacity(capacity);
		Bandwidth widened = bandwidth.isRefillIntervally()
				? refill.refillIntervally(bandwidth.getRefillTokens(), period).build()
				: refill.refillGreedy(bandwidth.getRefillTokens(), period).build();
		return (bandwidth.getId() != null) ? widened.withId(bandwidth.getId()) : widened;
	}

	/** bucket4j's versioned replacement, its stored state carried over by {@link #inherit} instead. */
	private static final class ReplaceKeepingUsed<T>
			extends CreateInitialStateWithVersionOrReplaceConfigurationAndExecuteCommand<T> {

		ReplaceKeepingUsed(CreateInitialStateWithVersionOrReplaceConfigurationAndExecuteCommand<T> command) {
			super(command.getConfiguration(), command.getTargetCommand(), command.getDesiredConfigurationVersion(),
					command.getTokensInheritanceStrategy());
		}

		@Override
		public CommandResult<T> execute(MutableBucketEntry entry, long currentTimeNanos) {
			if (entry.exists()) {
				RemoteBucketState stored = entry.get();
				Long version = stored.getConfigurationVersion();
				if (version == null || version < getDesiredConfigurationVersion()) {
					BucketState inherited = inherit(stored.copyBucketState(), getConfiguration(), currentTimeNanos);
					entry.set(new RemoteBucketState(inherited, stored.getRemoteStat(), getDesiredConfigurationVersion()));
				}
			}
			// The stored version is now the desired one, so bucket4j replaces nothing: it creates a missing bucket
			// and runs the request.
			return super.execute(entry, currentTimeNanos);
		}

	}

}
