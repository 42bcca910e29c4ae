package kz.cvety.otp.edge;

import java.util.List;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * With {@code cvety.strict=true} (the prod profile), refuses to start on settings that are only fit for a
 * developer's machine. Each refusal names the key.
 */
public class StrictStartupChecks implements InitializingBean {

	private static final List<String> REDIS_KEYS = List.of("spring.data.redis.url", "spring.data.redis.host",
			"spring.data.redis.cluster.nodes", "spring.data.redis.sentinel.nodes");

	private final Environment environment;

	public StrictStartupChecks(Environment environment) {
		this.environment = environment;
	}

	@Override
	public void afterPropertiesSet() {
		checkRedisConfigured();
	}

	private void checkRedisConfigured() {
		boolean configured = REDIS_KEYS.stream()
			.anyMatch(key -> StringUtils.hasText(this.environment.getProperty(key)));
		if (!configured) {
			throw new UnsafeConfigurationException("spring.data.redis.url",
					"no Redis is configured (set REDIS_URL, e.g. redis://default:password@host:6379)",
					"Set REDIS_URL (or spring.data.redis.url, or cluster/sentinel nodes) to the shared Redis. "
							+ "OTP state must live in Redis so that every instance sees it.");
		}
	}

}
