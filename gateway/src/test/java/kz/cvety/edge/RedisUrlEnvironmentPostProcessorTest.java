package kz.cvety.edge;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

class RedisUrlEnvironmentPostProcessorTest {

	private final RedisUrlEnvironmentPostProcessor processor = new RedisUrlEnvironmentPostProcessor();

	@Test
	void railwayRedisUrlBecomesSpringRedisUrl() {
		StandardEnvironment environment = environment(Map.of("REDIS_URL", "redis://default:secret@redis.railway.internal:6379"));
		this.processor.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.getProperty("spring.data.redis.url"))
			.isEqualTo("redis://default:secret@redis.railway.internal:6379");
	}

	@Test
	void explicitSpringRedisUrlWins() {
		StandardEnvironment environment = environment(
				Map.of("REDIS_URL", "redis://railway:6379", "spring.data.redis.url", "rediss://explicit:6380"));
		this.processor.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.getProperty("spring.data.redis.url")).isEqualTo("rediss://explicit:6380");
	}

	@Test
	void emptyRedisUrlLeavesRedisUnconfigured() {
		StandardEnvironment environment = environment(Map.of("REDIS_URL", ""));
		this.processor.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.containsProperty("spring.data.redis.url")).isFalse();
	}

	private static StandardEnvironment environment(Map<String, Object> values) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().addFirst(new MapPropertySource("test", values));
		return environment;
	}

}
