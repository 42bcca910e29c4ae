package kz.cvety.otp.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Refuses a configuration refresh that brings a property under {@code cvety.} that nothing declares, or a route
 * argument this library's filters do not take, before any properties are rebound: the refresh answers with an
 * error and the limits and routes in force stay. Spring Cloud loads refreshed files without the application's
 * environment post-processors, so the start-up checks do not run.
 */
final class UnknownPropertiesRefreshGuard implements ApplicationListener<EnvironmentChangeEvent>, Ordered {

	private final ConfigurableEnvironment environment;

	private final ObjectProvider<RouteArgumentsCheck> routeArguments;

	UnknownPropertiesRefreshGuard(ConfigurableEnvironment environment, ObjectProvider<RouteArgumentsCheck> routeArguments) {
		this.environment = environment;
		this.routeArguments = routeArguments;
	}

	@Override
	public void onApplicationEvent(EnvironmentChangeEvent event) {
		UnknownPropertiesEnvironmentPostProcessor.check(this.environment, getClass().getClassLoader());
		this.routeArguments.ifAvailable(RouteArgumentsCheck::check);
	}

	/** Before the properties rebinder, which listens to the same event. */
	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
