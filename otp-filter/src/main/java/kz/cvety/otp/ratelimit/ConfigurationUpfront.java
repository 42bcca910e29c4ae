package kz.cvety.otp.ratelimit;

import java.util.concurrent.CompletableFuture;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.distributed.proxy.AsyncCommandExecutor;
import io.github.bucket4j.distributed.proxy.CommandExecutor;
import io.github.bucket4j.distributed.proxy.optimization.Optimization;
import io.github.bucket4j.distributed.proxy.optimization.OptimizationListener;
import io.github.bucket4j.distributed.remote.CommandResult;
import io.github.bucket4j.distributed.remote.RemoteCommand;
import io.github.bucket4j.distributed.remote.commands.CheckConfigurationVersionAndExecuteCommand;
import io.github.bucket4j.distributed.remote.commands.CreateInitialStateWithVersionOrReplaceConfigurationAndExecuteCommand;

/**
 * Sends every command with the bucket's configuration, so a key Redis does not hold yet is created by the same
 * compare-and-swap that takes its token: one read and one write for a new key, as for a known one.
 * <p>
 * bucket4j's proxy first sends a command bare (the configuration may be costly to fetch), learns from the answer
 * that the bucket does not exist or has an older configuration version, and then sends it again with the
 * configuration: a second read and a second compare-and-swap for every new key, which for a send to a new phone is
 * most of its buckets. Here the configuration is already in memory, and the command that carries it does what the
 * bare one does on a bucket of the current version, so sending it at once changes nothing but the round trips.
 * No bucket4j setting does this; the {@link Optimization} hook is the one place on the proxy's command path to do
 * it.
 */
final class ConfigurationUpfront implements Optimization {

	private final BucketConfiguration configuration;

	private final Optimization inner;

	/**
	 * @param configuration the configuration every bucket of the proxy has
	 * @param inner the optimizations the commands go through next
	 */
	ConfigurationUpfront(BucketConfiguration configuration, Optimization inner) {
		this.configuration = configuration;
		this.inner = inner;
	}

	@Override
	public Optimization withListener(OptimizationListener listener) {
		return new ConfigurationUpfront(this.configuration, this.inner.withListener(listener));
	}

	@Override
	public CommandExecutor apply(CommandExecutor executor) {
		CommandExecutor next = this.inner.apply(executor);
		return new CommandExecutor() {
			@Override
			public <T> CommandResult<T> execute(RemoteCommand<T> command) {
				return next.execute(withConfiguration(command));
			}
		};
	}

	@Override
	public AsyncCommandExecutor apply(AsyncCommandExecutor executor) {
		AsyncCommandExecutor next = this.inner.apply(executor);
		return new AsyncCommandExecutor() {
			@Override
			public <T> CompletableFuture<CommandResult<T>> executeAsync(RemoteCommand<T> command) {
				return next.executeAsync(withConfiguration(command));
			}
		};
	}

	private <T> RemoteCommand<T> withConfiguration(RemoteCommand<T> command) {
		if (command instanceof CheckConfigurationVersionAndExecuteCommand<T> versioned) {
			// The strategy is the one the proxy is built with; UsedTokensInheritance, next on the path, replaces how
			// it carries tokens over.
			return new CreateInitialStateWithVersionOrReplaceConfigurationAndExecuteCommand<>(this.configuration,
					versioned.getTargetCommand(), versioned.getDesiredConfigurationVersion(),
					TokensInheritanceStrategy.ADDITIVE);
		}
		return command;
	}

}
