package kz.cvety.otp.autoconfigure;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

import kz.cvety.otp.OtpProperties;
import kz.cvety.otp.OtpSettings;
import kz.cvety.otp.admission.OtpLimitsProperties;
import kz.cvety.otp.pumping.PumpingProperties;
import kz.cvety.otp.support.InvalidSettingException;

/**
 * Refuses a configuration refresh, before any properties are rebound, that brings a property under {@code cvety.}
 * that nothing declares, a route argument this library's filters do not take, a changed property that is read
 * only at start-up, or values that do not make valid OTP settings: the refresh answers with an error and the limits
 * and routes in force stay. Spring Cloud loads refreshed files without the application's environment
 * post-processors, so the start-up checks do not run.
 */
final class UnknownPropertiesRefreshGuard implements ApplicationListener<EnvironmentChangeEvent>, Ordered {

	/**
	 * What is read once, to build the SMS sender, the Redis store, the hasher and the token issuer, the backend
	 * hand-off, the warm-up and the request-id filters: a refresh that changes it would be answered 200 and change
	 * nothing, and a hand-off switched on this way would use up every right code on a 503.
	 */
	static final List<String> READ_AT_START_UP = List.of("cvety.otp.handoff", "cvety.otp.sms", "cvety.otp.redis",
			"cvety.otp.warm-up", "cvety.otp.request-id", "cvety.otp.hash-secret", "cvety.otp.token-secret",
			"cvety.otp.token-ttl", "cvety.otp.allow-test-numbers");

	private final ConfigurableEnvironment environment;

	private final ObjectProvider<RouteArgumentsCheck> routeArguments;

	private final Map<String, String> atStartUp;

	UnknownPropertiesRefreshGuard(ConfigurableEnvironment environment,
			ObjectProvider<RouteArgumentsCheck> routeArguments) {
		this.environment = environment;
		this.routeArguments = routeArguments;
		this.atStartUp = readAtStartUp(environment);
	}

	@Override
	public void onApplicationEvent(EnvironmentChangeEvent event) {
		UnknownPropertiesEnvironmentPostProcessor.check(this.environment, getClass().getClassLoader());
		checkReadAtStartUp();
		checkSettings();
		this.routeArguments.ifAvailable(RouteArgumentsCheck::check);
	}

	/** Before the properties rebinder, which listens to the same event. */
	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

	private void checkReadAtStartUp() {
		Map<String, String> now = readAtStartUp(this.environment);
		Set<String> names = new LinkedHashSet<>(this.atStartUp.keySet());
		names.addAll(now.keySet());
		for (String name : names) {
			if (!Objects.equals(this.atStartUp.get(name), now.get(name))) {
				throw new UnsafeConfigurationException(name, "is read only at start-up, and this refresh changes it",
						"Put it back as it was to refresh the rest, and restart the gateway to change it.");
			}
		}
	}

	/**
	 * Makes the OTP settings from the refreshed values as the refresh would, and refuses them as start-up would.
	 * Values that do not bind at all are left to the properties rebinder, which refuses them itself.
	 */
	private void checkSettings() {
		Binder binder = Binder.get(this.environment);
		try {
			OtpSettings.from(binder.bindOrCreate(OtpProperties.PREFIX, OtpProperties.class),
					binder.bindOrCreate(OtpLimitsProperties.PREFIX, OtpLimitsProperties.class),
					binder.bindOrCreate(PumpingProperties.PREFIX, PumpingProperties.class));
		}
		catch (BindException ex) {
			// The rebinder's own conversion decides.
		}
		catch (InvalidSettingException ex) {
			throw new UnsafeConfigurationException(ex.key(), ex.problem(),
					"Correct it; the limits and settings in force stay until a refresh brings valid ones.");
		}
		catch (IllegalArgumentException ex) {
			throw new UnsafeConfigurationException(OtpProperties.PREFIX, ex.getMessage(),
					"Correct it; the limits and settings in force stay until a refresh brings valid ones.");
		}
	}

	/** Each property read only at start-up, by name, with its value as the highest source holding it has it. */
	private static Map<String, String> readAtStartUp(ConfigurableEnvironment environment) {
		Map<String, String> values = new LinkedHashMap<>();
		List<ConfigurationPropertyName> prefixes = READ_AT_START_UP.stream()
			.map(ConfigurationPropertyName::of)
			.toList();
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
			if (!(source instanceof IterableConfigurationPropertySource iterable)) {
				continue;
			}
			iterable.stream()
				.filter(name -> prefixes.stream().anyMatch(prefix -> prefix.equals(name) || prefix.isAncestorOf(name)))
				.forEach(name -> {
					ConfigurationProperty property = source.getConfigurationProperty(name);
					if (property != null) {
						values.putIfAbsent(name.toString(), String.valueOf(property.getValue()));
					}
				});
		}
		return values;
	}

}
