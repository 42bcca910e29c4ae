package kz.cvety.edge.local;

import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;

/**
 * In the {@code local} profile with no Redis configured, runs an embedded redis-server and points the Redis
 * auto-configuration at it. With {@code REDIS_URL} set, the local profile uses that Redis instead.
 */
@Configuration(proxyBeanMethods = false)
@Profile("local")
@Conditional(NoRedisConfiguredCondition.class)
public class LocalRedisConfiguration {

	@Bean(destroyMethod = "close")
	LocalRedisServer localRedisServer() {
		return LocalRedisServer.start();
	}

	@Bean
	DataRedisConnectionDetails localRedisConnectionDetails(LocalRedisServer server) {
		return new DataRedisConnectionDetails() {

			@Override
			public Standalone getStandalone() {
				return Standalone.of("127.0.0.1", server.port());
			}

		};
	}

}
