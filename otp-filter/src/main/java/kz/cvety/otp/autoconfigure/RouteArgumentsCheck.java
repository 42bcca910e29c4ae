package kz.cvety.otp.autoconfigure;

import java.beans.PropertyDescriptor;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.springframework.beans.BeanUtils;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.filter.FilterDefinition;
import org.springframework.cloud.gateway.filter.factory.GatewayFilterFactory;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.cloud.gateway.support.NameUtils;
import org.springframework.core.env.ConfigurableEnvironment;

import kz.cvety.otp.web.OtpAdmissionGatewayFilterFactory;
import kz.cvety.otp.web.RateLimitGatewayFilterFactory;

/**
 * Stops start-up, and refuses a configuration refresh, when a configured route gives this library's filters
 * ({@code OtpAdmission}, {@code RateLimit}) an argument their {@code Config} has no property for: Spring Cloud
 * Gateway binds filter arguments leniently, so a mistyped one would be dropped and its default stay in force.
 */
final class RouteArgumentsCheck implements SmartInitializingSingleton {

	private static final String ROUTES = GatewayProperties.PREFIX + ".routes";

	private final ConfigurableEnvironment environment;

	private final ObjectProvider<GatewayFilterFactory<?>> factories;

	RouteArgumentsCheck(ConfigurableEnvironment environment, ObjectProvider<GatewayFilterFactory<?>> factories) {
		this.environment = environment;
		this.factories = factories;
	}

	@Override
	public void afterSingletonsInstantiated() {
		check();
	}

	/**
	 * Throws {@link UnsafeConfigurationException} naming the first route, filter and argument of the routes the
	 * environment configures now that no property of the filter's {@code Config} binds.
	 */
	void check() {
		Map<String, Map<String, String>> arguments = arguments();
		if (arguments.isEmpty()) {
			return;
		}
		List<RouteDefinition> routes;
		try {
			routes = Binder.get(this.environment)
				.bind(ROUTES, Bindable.listOf(RouteDefinition.class))
				.orElse(List.of());
		}
		catch (BindException ex) {
			// The gateway reports routes it cannot bind itself, naming the property.
			return;
		}
		for (int r = 0; r < routes.size(); r++) {
			List<FilterDefinition> filters = routes.get(r).getFilters();
			for (int f = 0; f < filters.size(); f++) {
				Map<String, String> known = arguments.get(filters.get(f).getName());
				if (known == null) {
					continue;
				}
				for (String argument : filters.get(f).getArgs().keySet()) {
					// Shortcut forms (OtpAdmission=send) arrive as generated names the gateway maps by position.
					if (!argument.startsWith(NameUtils.GENERATED_NAME_PREFIX)
							&& !known.containsKey(squash(argument))) {
						throw unknown(routes.get(r), r, filters.get(f), f, argument, known);
					}
				}
			}
		}
	}

	/** Filter name to its arguments, squashed name to dashed, for each of this library's factories in use. */
	private Map<String, Map<String, String>> arguments() {
		Map<String, Map<String, String>> arguments = new TreeMap<>();
		this.factories.orderedStream()
			.filter(factory -> factory instanceof OtpAdmissionGatewayFilterFactory
					|| factory instanceof RateLimitGatewayFilterFactory)
			.forEach(factory -> {
				Map<String, String> names = new TreeMap<>();
				for (PropertyDescriptor property : BeanUtils.getPropertyDescriptors(factory.getConfigClass())) {
					// The gateway sets routeId itself; it is no argument to write.
					if (property.getWriteMethod() != null && !property.getName().equals("routeId")) {
						names.put(squash(property.getName()), dashed(property.getName()));
					}
				}
				arguments.put(factory.name(), names);
			});
		return arguments;
	}

	private static UnsafeConfigurationException unknown(RouteDefinition route, int r, FilterDefinition filter, int f,
			String argument, Map<String, String> known) {
		String name = argument.replaceAll("[\\[.].*$", "");
		String meant = NearestName.closest(dashed(name), known.values());
		String key = ROUTES + "[" + r + "].filters[" + f + "].args." + name;
		String problem = "route '" + route.getId() + "': filter " + filter.getName() + " has no argument '" + name + "'"
				+ ((meant != null) ? " (did you mean '" + meant + "'?)" : "");
		return new UnsafeConfigurationException(key, problem, "Use one of " + filter.getName() + "'s arguments: "
				+ known.values().stream().sorted().collect(Collectors.joining(", ")) + ".");
	}

	/** The argument's name without list index or nested key, compared as the binder does: no case, no separators. */
	private static String squash(String argument) {
		return argument.replaceAll("[\\[.].*$", "").toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
	}

	private static String dashed(String name) {
		return name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").replace('_', '-').toLowerCase(Locale.ROOT);
	}

}
