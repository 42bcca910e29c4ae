package kz.cvety.otp.redis;

import java.time.Duration;
import java.util.List;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.distributed.remote.RemoteCommand;
import io.github.bucket4j.distributed.remote.commands.AddTokensCommand;
import io.github.bucket4j.distributed.remote.commands.CheckConfigurationVersionAndExecuteCommand;
import io.github.bucket4j.distributed.remote.commands.CreateInitialStateWithVersionOrReplaceConfigurationAndExecuteCommand;
import io.github.bucket4j.distributed.remote.commands.EstimateAbilityToConsumeCommand;
import io.github.bucket4j.distributed.remote.commands.GetConfigurationCommand;
import io.github.bucket4j.distributed.remote.commands.MultiCommand;
import io.github.bucket4j.distributed.remote.commands.SyncCommand;
import io.github.bucket4j.distributed.remote.commands.TryConsumeCommand;
import io.github.bucket4j.distributed.remote.commands.VerboseCommand;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which bucket4j commands skip the first read: those that write their bucket and create it when missing. */
class RedisCasProxyManagerTest {

	static final BucketConfiguration CONFIGURATION = BucketConfiguration.builder()
		.addLimit(limit -> limit.capacity(10).refillIntervally(10, Duration.ofMinutes(1)))
		.build();

	@Test
	void aConsumeCarryingTheConfigurationSkipsTheRead() {
		assertThat(RedisCasProxyManager.createsItsBucket(withConfiguration(TryConsumeCommand.create(1)))).isTrue();
		assertThat(RedisCasProxyManager.createsItsBucket(withConfiguration(new AddTokensCommand(1)))).isTrue();
	}

	@Test
	void aCommandThatCannotCreateItsBucketReadsFirst() {
		assertThat(RedisCasProxyManager.createsItsBucket(TryConsumeCommand.create(1))).isFalse();
		assertThat(RedisCasProxyManager
			.createsItsBucket(new CheckConfigurationVersionAndExecuteCommand<>(TryConsumeCommand.create(1), 1)))
			.isFalse();
		assertThat(RedisCasProxyManager.createsItsBucket(new GetConfigurationCommand())).isFalse();
	}

	@Test
	void aReadCarryingTheConfigurationReadsFirst() {
		assertThat(RedisCasProxyManager
			.createsItsBucket(withConfiguration(VerboseCommand.from(new EstimateAbilityToConsumeCommand(1)))))
			.isFalse();
	}

	@Test
	void aBatchSkipsTheReadWhenOneOfItsCommandsWouldCreateTheBucket() {
		RemoteCommand<?> estimate = withConfiguration(new EstimateAbilityToConsumeCommand(1));
		RemoteCommand<?> sync = withConfiguration(new SyncCommand(3, 0));

		assertThat(RedisCasProxyManager.createsItsBucket(new MultiCommand(List.of(estimate, sync)))).isTrue();
		assertThat(RedisCasProxyManager.createsItsBucket(new MultiCommand(List.of(estimate)))).isFalse();
		assertThat(RedisCasProxyManager
			.createsItsBucket(new MultiCommand(List.of(new MultiCommand(List.of(estimate, sync)))))).isTrue();
	}

	static <T> RemoteCommand<T> withConfiguration(RemoteCommand<T> command) {
		return new CreateInitialStateWithVersionOrReplaceConfigurationAndExecuteCommand<>(CONFIGURATION, command, 1,
				TokensInheritanceStrategy.ADDITIVE);
	}

}
