package kz.cvety.otp.ratelimit;

import java.util.concurrent.CompletableFuture;

import io.github.bucket4j.distributed.proxy.AsyncCommandExecutor;
import io.github.bucket4j.distributed.proxy.CommandExecutor;
import io.github.bucket4j.distributed.proxy.optimization.Optimization;
import io.github.bucket4j.distributed.proxy.optimization.OptimizationListener;
import io.github.bucket4j.distributed.remote.CommandResult;
import io.github.bucket4j.distributed.remote.RemoteCommand;

/**
 * An {@link Optimization} that rewrites each command of a bucket proxy before the optimizations after it (bucket4j's
 * batching) see it: the one hook bucket4j offers on a proxy's command path.
 */
abstract class CommandRewrite implements Optimization {

	private final Optimization inner;

	/**
	 * @param inner the optimizations the rewritten commands go through next
	 */
	CommandRewrite(Optimization inner) {
		this.inner = inner;
	}

	/** The command to send in place of {@code command}. */
	abstract <T> RemoteCommand<T> rewrite(RemoteCommand<T> command);

	/** This rewrite in front of {@code inner}. */
	abstract CommandRewrite before(Optimization inner);

	@Override
	public final Optimization withListener(OptimizationListener listener) {
		return before(this.inner.withListener(listener));
	}

	@Override
	public final CommandExecutor apply(CommandExecutor executor) {
		CommandExecutor next = this.inner.apply(executor);
		return new CommandExecutor() {
			@Override
			public <T> CommandResult<T> execute(RemoteCommand<T> command) {
				return next.execute(rewrite(command));
			}
		};
	}

	@Override
	public final AsyncCommandExecutor apply(AsyncCommandExecutor executor) {
		AsyncCommandExecutor next = this.inner.apply(executor);
		return new AsyncCommandExecutor() {
			@Override
			public <T> CompletableFuture<CommandResult<T>> executeAsync(RemoteCommand<T> command) {
				return next.executeAsync(rewrite(command));
			}
		};
	}

}
