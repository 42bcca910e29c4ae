package kz.cvety.otp.ratelimit;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.distributed.proxy.optimization.Optimization;
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
final class ConfigurationUpfront extends CommandRewrite {

	private final BucketConfiguration configuration;

	/**
	 * @param configuration the configuration every bucket of the proxy has
	 * @param inner the optimizations the commands go through next
	 */
	ConfigurationUpfront(BucketConfiguration configuration, Optimization inner) {
		super(inner);
		this.configuration = configuration;
	}

	@Override
	CommandRewrite before(Optimization inner) {
		return new ConfigurationUpfront(this.configuration, inner);
	}

	@Override
	<T> RemoteCommand<T> rewrite(RemoteCommand<T> command) {
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
