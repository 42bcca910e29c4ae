package kz.cvety.otp.ratelimit;

import io.github.bucket4j.distributed.proxy.AsyncCommandExecutor;
import io.github.bucket4j.distributed.proxy.CommandExecutor;
import io.github.bucket4j.distributed.proxy.optimization.Optimization;
import io.github.bucket4j.distributed.proxy.optimization.OptimizationListener;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;

/**
 * bucket4j's delaying optimization (which batches too) in front of the command rewrites: it decides on the
 * commands as the proxy made them, and the rewrites apply to what it sends to Redis.
 * <p>
 * The other way round, delaying would see every command as a configuration replacement, which bucket4j always
 * sends to Redis at once, and would never take a token locally.
 */
final class DelayedSync implements Optimization {

	private final Optimization delaying;

	private final Optimization rewrites;

	/**
	 * @param bound how far the proxy may count ahead of Redis; must delay
	 * @param rewrites the rewrites of what is sent to Redis, over no other optimization
	 */
	DelayedSync(SyncBound bound, CommandRewrite rewrites) {
		this(Optimizations.delaying(bound.delayParameters()), (Optimization) rewrites);
	}

	private DelayedSync(Optimization delaying, Optimization rewrites) {
		this.delaying = delaying;
		this.rewrites = rewrites;
	}

	@Override
	public Optimization withListener(OptimizationListener listener) {
		return new DelayedSync(this.delaying.withListener(listener), this.rewrites.withListener(listener));
	}

	@Override
	public CommandExecutor apply(CommandExecutor executor) {
		return this.delaying.apply(this.rewrites.apply(executor));
	}

	@Override
	public AsyncCommandExecutor apply(AsyncCommandExecutor executor) {
		return this.delaying.apply(this.rewrites.apply(executor));
	}

}
