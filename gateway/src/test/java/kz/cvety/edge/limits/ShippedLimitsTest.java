package kz.cvety.edge.limits;

import java.io.IOException;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ClassPathResource;

import kz.cvety.otp.admission.OtpLimitsProperties;
import kz.cvety.otp.pumping.PumpingProperties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The limits ops read in {@code config/application.yml} are the library's own defaults, so a gateway started
 * without that file (another app adding the jar) limits the same.
 */
class ShippedLimitsTest {

	@Test
	void theShippedLimitsAreTheLibraryDefaults() throws IOException {
		List<PropertySource<?>> shipped = new YamlPropertySourceLoader().load("shipped",
				new ClassPathResource("config/application.yml"));
		StandardEnvironment environment = new StandardEnvironment();
		shipped.forEach(environment.getPropertySources()::addFirst);
		OtpLimitsProperties bound = new Binder(ConfigurationPropertySources.get(environment))
			.bind(OtpLimitsProperties.PREFIX, OtpLimitsProperties.class)
			.get();

		assertThat(bound).usingRecursiveComparison().isEqualTo(new OtpLimitsProperties());
	}

	@Test
	void theShippedPumpingGuardIsTheLibraryDefault() throws IOException {
		List<PropertySource<?>> shipped = new YamlPropertySourceLoader().load("shipped",
				new ClassPathResource("config/application.yml"));
		StandardEnvironment environment = new StandardEnvironment();
		shipped.forEach(environment.getPropertySources()::addFirst);
		PumpingProperties bound = new Binder(ConfigurationPropertySources.get(environment))
			.bind(PumpingProperties.PREFIX, PumpingProperties.class)
			.get();

		assertThat(bound).usingRecursiveComparison().isEqualTo(new PumpingProperties());
	}

}
