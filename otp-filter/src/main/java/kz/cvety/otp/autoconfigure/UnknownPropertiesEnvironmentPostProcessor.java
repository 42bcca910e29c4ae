package kz.cvety.otp.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;

import kz.cvety.otp.autoconfigure.UnsafeConfigurationException;

/**
 * Stops start-up, and so a configuration refresh (which loads the files through the same post-processors),
 * when a property under {@code cvety.} names no property the application declares: a mistyped limit would
 * otherwise be ignored and the default silently stay in force. Declared properties are read from every
 * {@code META-INF/spring-configuration-metadata.json} on the class path, which Spring Boot's configuration
 * processor writes for each {@code @ConfigurationProperties} class. Spring Boot's binder can refuse unknown
 * fields per class, but not across the several classes that share the {@code cvety.otp} prefix, and it
 * suggests nothing; hence this check.
 */
public final class UnknownPropertiesEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	/** The checked prefix: every property under it must be declared. */
	public static final String PREFIX = "cvety";

	private static final String METADATA = "META-INF/spring-configuration-metadata.json";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	/** After the config files are loaded (ConfigData runs at {@code HIGHEST_PRECEDENCE + 10}). */
	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		check(environment, application.getClassLoader());
	}

	/**
	 * Throws {@link UnsafeConfigurationException} naming the first property under {@link #PREFIX} in
	 * {@code environment} that no metadata on {@code classLoader}'s class path declares.
	 */
	public static void check(ConfigurableEnvironment environment, ClassLoader classLoader) {
		Declared declared = Declared.load(classLoader);
		if (declared.names().isEmpty()) {
			// No metadata on the class path (an unusual packaging): nothing to check against, so check nothing.
			return;
		}
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
			if (!(source instanceof IterableConfigurationPropertySource iterable)) {
				continue;
			}
			boolean variables = isSystemEnvironment(source);
			ConfigurationPropertyName prefix = ConfigurationPropertyName.of(PREFIX);
			iterable.stream().filter(prefix::isAncestorOf).forEach(name -> {
				if (!declared.covers(name, variables)) {
					throw unknown(name, source, declared);
				}
			});
		}
	}

	private static boolean isSystemEnvironment(ConfigurationPropertySource source) {
		return source.getUnderlyingSource() instanceof PropertySource<?> property
				&& StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME.equals(property.getName());
	}

	private static UnsafeConfigurationException unknown(ConfigurationPropertyName name, ConfigurationPropertySource source,
			Declared declared) {
		ConfigurationProperty property = source.getConfigurationProperty(name);
		String origin = (property != null && property.getOrigin() != null) ? " (" + property.getOrigin() + ")" : "";
		String suggestion = declared.closest(name.toString());
		String action = (suggestion != null) ? "Did you mean " + suggestion + "? " : "";
		return new UnsafeConfigurationException(name.toString(), "is not a known property" + origin,
				action + "Remove or correct it; the README's configuration reference lists every key.");
	}

	/**
	 * The declared property names under {@link #PREFIX}, and the map-typed ones whose keys are free
	 * ({@code cvety.otp.test-numbers.<phone>}).
	 */
	record Declared(Set<ConfigurationPropertyName> names, Set<ConfigurationPropertyName> maps, Set<String> flat) {

		static Declared load(ClassLoader classLoader) {
			Set<ConfigurationPropertyName> names = new LinkedHashSet<>();
			Set<ConfigurationPropertyName> maps = new LinkedHashSet<>();
			Set<String> flat = new TreeSet<>();
			ClassLoader loader = (classLoader != null) ? classLoader : Declared.class.getClassLoader();
			try {
				Enumeration<URL> resources = loader.getResources(METADATA);
				while (resources.hasMoreElements()) {
					read(resources.nextElement(), names, maps, flat);
				}
			}
			catch (IOException ex) {
				throw new IllegalStateException("Cannot read " + METADATA + ": " + ex.getMessage(), ex);
			}
			return new Declared(names, maps, flat);
		}

		private static void read(URL resource, Set<ConfigurationPropertyName> names,
				Set<ConfigurationPropertyName> maps, Set<String> flat) throws IOException {
			byte[] bytes;
			try (InputStream in = resource.openStream()) {
				bytes = in.readAllBytes();
			}
			// Most metadata files (Spring Boot's own are large) declare nothing under the prefix: skip parsing them.
			if (!new String(bytes, StandardCharsets.UTF_8).contains("\"" + PREFIX + ".")) {
				return;
			}
			JsonNode properties = JSON.readTree(bytes).path("properties");
			for (JsonNode property : properties) {
				String name = property.path("name").asString("");
				if (!name.startsWith(PREFIX + ".")) {
					continue;
				}
				ConfigurationPropertyName parsed = ConfigurationPropertyName.of(name);
				names.add(parsed);
				flat.add(name);
				if (property.path("type").asString("").startsWith("java.util.Map<")) {
					maps.add(parsed);
				}
			}
		}

		/** True when {@code name} is declared, is an element of a declared list, or a key of a declared map. */
		boolean covers(ConfigurationPropertyName name, boolean fromVariables) {
			if (this.maps.stream().anyMatch(map -> map.isAncestorOf(name))) {
				return true;
			}
			ConfigurationPropertyName unindexed = withoutIndexes(name);
			if (unindexed == null) {
				return false;
			}
			if (this.names.contains(unindexed)) {
				return true;
			}
			if (!fromVariables) {
				return false;
			}
			// CVETY_OTP_MAX_ATTEMPTS reads as cvety.otp.max.attempts: compare without separators, as the binder does.
			String squashed = squash(unindexed.toString());
			return this.names.stream().anyMatch(declared -> squash(declared.toString()).equals(squashed))
					|| this.maps.stream().anyMatch(map -> squashed.startsWith(squash(map.toString())));
		}

		/** The declared name nearest to {@code name} by edit distance, or null when none is close. */
		@Nullable String closest(String name) {
			return NearestName.closest(name, this.flat);
		}

		private static @Nullable ConfigurationPropertyName withoutIndexes(ConfigurationPropertyName name) {
			List<String> elements = new ArrayList<>();
			for (int i = 0; i < name.getNumberOfElements(); i++) {
				if (!name.isNumericIndex(i)) {
					elements.add(name.getElement(i, ConfigurationPropertyName.Form.DASHED));
				}
			}
			return ConfigurationPropertyName.ofIfValid(String.join(".", elements));
		}

		private static String squash(String name) {
			return name.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "").replace(".", "");
		}

	}

}
