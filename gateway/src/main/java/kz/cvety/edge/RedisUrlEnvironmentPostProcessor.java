package kz.cvety.edge;

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.StringUtils;

/**
 * Accepts Railway's {@code REDIS_URL} (also Heroku's and most PaaS) as {@code spring.data.redis.url}. A
 * post-processor rather than {@code ${REDIS_URL:}} in YAML: an empty URL is a syntax error for Spring Boot,
 * and "no Redis configured" must stay distinguishable for the local profile and the prod check.
 */
class RedisUrlEnvironmentPostProcessor implements EnvironmentPostProcessor {

	static final String VARIABLE = "REDIS_URL";

	static final String PROPERTY = "spring.data.redis.url";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		String url = environment.getProperty(VARIABLE);
		if (StringUtils.hasText(url) && !environment.containsProperty(PROPERTY)) {
			environment.getPropertySources().addLast(new MapPropertySource("redisUrlVariable", Map.of(PROPERTY, url)));
		}
	}

}
