package kz.cvety.otp.ratelimit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.github.bucket4j.distributed.proxy.AsyncCommandExecutor;
import io.github.bucket4j.distributed.proxy.CommandExecutor;
import io.github.bucket4j.distributed.proxy.optimization.Optimization;
import io.github.bucket4j.distributed.proxy.optimization.OptimizationListener;
import io.github.bucket4j.distributed.remote.CommandResult;
import io.github.bucket4j.distributed.remote.RemoteCommand;
import io.github.bucket4j.distributed.remote.commands.MultiCommand;

/**
 * An {@link Optimization} that rewrites each command of a bucket proxy before the optimizations after it (bucket4j's
 * batching) see it: the one hook bucket4j offers on a proxy's command path. The commands of a {@link MultiCommand}
 * are rewritten one by one, in place, so whoever built it still reads its results by position.
 */
abstract class CommandRewrite implements Optimization {

	private final Optimization inner;

	/**
	 * @param inner the optimizations the rewritten commands go through next
	 */
	CommandRewrite(Optimization inner) {
		this.inner = inner;
	}

	/** The command to send in place of {@code command}, which is no {@link MultiCommand}. */
	abstract <T> RemoteCommand<T> rewrite(RemoteCommand<T> command);

	/** This rewrite in front of {@code inner}. */
	abstract CommandRewrite before(Optimization inner);

	// bucket4j's delaying sends a proxy's commands to Redis inside one MultiCommand with its own (the tokens taken
	// locally, a snapshot of the bucket), and batching nests the requests of a burst in another.
	@SuppressWarnings("unchecked")
	private <T> RemoteCommand<T> rewriteAll(RemoteCommand<T> command) {
		if (command instanceof MultiCommand multi) {
			List<RemoteCommand<?>> commands = new ArrayList<>(multi.getCommands().size());
			for (RemoteCommand<?> one : multi.getCommands()) {
				commands.add(rewriteAll(one));
			}
			return (RemoteCommand<T>) new MultiCommand(commands);
		}
		return rewrite(command);
	}

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
				return next.execute(rewriteAll(command));
			}
		};
	}

	@Override
	public final AsyncCommandExecutor apply(AsyncCommandExecutor executor) {
		AsyncCommandExecutor next = this.inner.apply(executor);
		return new AsyncCommandExecutor() {
			@Override
			public <T> CompletableFuture<CommandResult<T>> executeAsync(RemoteCommand<T> command) {
				return next.executeAsync(rewriteAll(command));
			}
		};
	}

}
