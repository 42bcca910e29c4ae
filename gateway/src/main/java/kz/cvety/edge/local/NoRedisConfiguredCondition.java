package kz.cvety.edge.local;

import java.util.List;

import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/**
 * Matches when no Redis server is configured at all: no URL, host, cluster or sentinel nodes.
 */
class NoRedisConfiguredCondition implements Condition {

	private static final List<String> KEYS = List.of("spring.data.redis.url", "spring.data.redis.host",
			"spring.data.redis.cluster.nodes", "spring.data.redis.sentinel.nodes");

	@Override
	public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
		return KEYS.stream().noneMatch(key -> StringUtils.hasText(context.getEnvironment().getProperty(key)));
	}

}
