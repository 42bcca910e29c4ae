package kz.cvety.edge.redis;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.handler.flush.FlushConsolidationHandler;

import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * How the gateway tunes the Lettuce client Spring Boot builds for it, which the OTP store and the rate limits
 * share: ride out a reconnect instead of failing it, reconnect within a second, and flush commands in batches.
 */
@Configuration(proxyBeanMethods = false)
public class RedisClientTuning {

	@Bean
	LettuceClientOptionsBuilderCustomizer queueCommandsWhileReconnecting() {
		// While the connection is re-established, queue commands: a dropped connection comes back within the
		// reconnect delay, and rejecting the commands meanwhile would open the circuit (seconds of 503s) for a blip.
		// A Redis that stays away still gives bounded answers: each step times out after the command timeout, and
		// once the circuit opens every request is refused at once.
		return builder -> builder.disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS);
	}

	@Bean
	ClientResourcesBuilderCustomizer reconnectWithinASecond() {
		// Lettuce backs off reconnecting up to 30 s by default; cap it so service resumes within about a second
		// of Redis coming back.
		return builder -> builder.reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2,
				TimeUnit.MILLISECONDS));
	}

	@Bean
	ClientResourcesBuilderCustomizer flushCommandsInBatches() {
		// Every request sends several commands on one shared connection, and Lettuce flushes each one by itself:
		// one write system call here and one read in Redis per command. Netty's handler sends the commands written
		// in one event loop pass with one flush instead (up to 256 at a time).
		return builder -> builder.nettyCustomizer(new NettyCustomizer() {
			@Override
			public void afterChannelInitialized(Channel channel) {
				channel.pipeline().addFirst(new FlushConsolidationHandler(256, true));
			}
		});
	}

}
