package kz.cvety.otp.autoconfigure;

import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Refuses a configuration refresh that brings a property under {@code cvety.} that nothing declares, before any
 * properties are rebound: the refresh answers with an error and the limits in force stay. Spring Cloud loads
 * refreshed files without the application's environment post-processors, so the start-up check does not run.
 */
final class UnknownPropertiesRefreshGuard implements ApplicationListener<EnvironmentChangeEvent>, Ordered {

	private final ConfigurableEnvironment environment;

	UnknownPropertiesRefreshGuard(ConfigurableEnvironment environment) {
		this.environment = environment;
	}

	@Override
	public void onApplicationEvent(EnvironmentChangeEvent event) {
		UnknownPropertiesEnvironmentPostProcessor.check(this.environment, getClass().getClassLoader());
	}

	/** Before the properties rebinder, which listens to the same event. */
	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
