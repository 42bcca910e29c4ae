package kz.cvety.edge;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.MediaType;
import org.springframework.test.json.JsonCompareMode;
import org.springframework.test.web.reactive.server.WebTestClient;

import kz.cvety.otp.autoconfigure.UnsafeConfigurationException;
import kz.cvety.otp.testing.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The prod profile refuses development-only settings at start-up, each time with one line naming the key.
 */
@ExtendWith(OutputCaptureExtension.class)
class ProdProfileIT {

	static final String HASH = "prod-hash-secret-0123456789abcdefghijklmnopqrstuv";

	static final String TOKEN = "prod-token-secret-0123456789abcdefghijklmnopqrstu";

	@Test
	void prodRefusesToStartWithoutRedisUrlAndSaysWhyInOneLine(CapturedOutput output) {
		assertThatThrownBy(() -> start(Map.of("server.port", "0")))
			.satisfies(ex -> assertThat(NestedExceptionUtils.getMostSpecificCause(ex))
				.isInstanceOf(UnsafeConfigurationException.class));

		assertThat(output).contains("Refusing to start: spring.data.redis.url: no Redis is configured (set REDIS_URL");
		assertThat(output).doesNotContain("Started GatewayApplication");
	}

	static Stream<Arguments> unsafeSettings() {
		return Stream.of(
				Arguments.of("cvety.otp.hash-secret=", "cvety.otp.hash-secret: is not set"),
				Arguments.of("cvety.otp.hash-secret=dev-only-hash-secret-change-me-0123456789",
						"cvety.otp.hash-secret: is a development secret"),
				Arguments.of("cvety.otp.token-secret=short-secret", "cvety.otp.token-secret: is shorter than 32 bytes"),
				Arguments.of("cvety.otp.sms.provider=log", "cvety.otp.sms.provider: is 'log'"),
				Arguments.of("cvety.otp.test-numbers[+77010000000]=123456", "cvety.otp.test-numbers: 1 test number(s)"),
				Arguments.of("cvety.otp.redis.fail-mode=open", "cvety.otp.redis.fail-mode: is 'open'"),
				Arguments.of("management.endpoints.web.exposure.include=health,prometheus,otp",
						"management.endpoints.web.exposure.include: exposes the 'otp' support endpoint on the public "
								+ "port (management.server.port is not set to a port of its own)"));
	}

	@ParameterizedTest
	@MethodSource("unsafeSettings")
	void prodRefusesUnsafeSetting(String setting, String expectedLine, CapturedOutput output) {
		Map<String, String> settings = new LinkedHashMap<>(safeSettings());
		settings.put(setting.substring(0, setting.indexOf('=')), setting.substring(setting.indexOf('=') + 1));
		assertThatThrownBy(() -> start(settings))
			.satisfies(ex -> assertThat(NestedExceptionUtils.getMostSpecificCause(ex))
				.isInstanceOf(UnsafeConfigurationException.class));
		assertThat(output).contains("Refusing to start: " + expectedLine);
	}

	/**
	 * A profile of {@code config/} made for a developer or a load test outranks the prod profile's settings, so
	 * running it beside prod is refused, even with every setting the prod checks look at safe.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "bench", "loadtest", "local", "prod,Bench" })
	void prodRefusesToStartBesideAProfileNotForCustomers(String profiles, CapturedOutput output) {
		Map<String, String> settings = new LinkedHashMap<>(safeSettings());
		settings.put("spring.profiles.active", profiles);
		assertThatThrownBy(() -> start(settings))
			.satisfies(ex -> assertThat(NestedExceptionUtils.getMostSpecificCause(ex))
				.isInstanceOf(UnsafeConfigurationException.class));
		String profile = profiles.substring(profiles.lastIndexOf(',') + 1);
		assertThat(output).contains("Refusing to start: spring.profiles.active: includes '" + profile + "'")
			.doesNotContain("Started GatewayApplication");
	}

	/** The bench profile's published secrets are refused by the prod checks on their own too. */
	@Test
	void prodRefusesTheBenchProfilesPublishedSecrets(CapturedOutput output) {
		YamlPropertiesFactoryBean yaml = new YamlPropertiesFactoryBean();
		yaml.setResources(new ClassPathResource("config/application-bench.yml"));
		Properties bench = yaml.getObject();
		assertThat(bench).isNotNull();
		for (String key : List.of("cvety.otp.hash-secret", "cvety.otp.token-secret")) {
			Map<String, String> settings = new LinkedHashMap<>(safeSettings());
			settings.put(key, bench.getProperty(key));
			assertThatThrownBy(() -> start(settings))
				.satisfies(ex -> assertThat(NestedExceptionUtils.getMostSpecificCause(ex))
					.isInstanceOf(UnsafeConfigurationException.class));
			assertThat(output).contains("Refusing to start: " + key + ": is a development secret");
		}
	}

	@Test
	void prodStartsWithSafeSettingsAndLogsStructuredJson(CapturedOutput output) {
		Map<String, String> settings = new LinkedHashMap<>(safeSettings());
		settings.put("cvety.otp.test-numbers[+77010000000]", "123456");
		settings.put("cvety.otp.allow-test-numbers", "true");
		try (ConfigurableApplicationContext context = start(settings)) {
			assertThat(context.isRunning()).isTrue();
		}
		String startedLine = output.getOut()
			.lines()
			.filter(line -> line.contains("\"message\":\"Started "))
			.findFirst()
			.orElseThrow();
		assertThat(startedLine).startsWith("{\"@timestamp\":").contains("\"log\":{\"level\":\"INFO\"");
	}

	@Test
	void prodServesTheSupportEndpointOnItsManagementPortOnlyWithProblemAnswersAndTheAuditLine(CapturedOutput output) {
		Map<String, String> settings = new LinkedHashMap<>(safeSettings());
		settings.put("cvety.otp.redis.key-prefix", TestRedis.uniquePrefix());
		settings.put("management.endpoints.web.exposure.include", "health,prometheus,otp");
		settings.put("management.server.port", "0");
		try (ConfigurableApplicationContext context = start(settings)) {
			int port = ((WebServerApplicationContext) context).getWebServer().getPort();
			int managementPort = context.getEnvironment().getRequiredProperty("local.management.port", Integer.class);
			assertThat(managementPort).isNotEqualTo(port);
			WebTestClient management = client(managementPort);

			management.get().uri("/actuator/otp/{phone}", "87011234567").exchange()
				.expectStatus().isOk()
				.expectBody()
				.jsonPath("$.phone").isEqualTo("+77011234567")
				.jsonPath("$.code.live").isEqualTo(false);
			management.get().uri("/actuator/otp/{phone}", "12345").exchange()
				.expectStatus().isBadRequest()
				.expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.expectBody().jsonPath("$.code").isEqualTo("invalid_phone");
			management.delete().uri("/actuator/otp/{phone}", "+77011234567").header("X-Request-Id", "prod-unblock-1")
				.exchange()
				.expectStatus().isOk()
				.expectBody().json("{\"phone\":\"+77011234567\",\"cleared\":[]}", JsonCompareMode.STRICT);
			client(port).get().uri("/actuator/otp/{phone}", "+77011234567").exchange()
				.expectStatus().isNotFound()
				.expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.expectBody().jsonPath("$.code").isEqualTo("not_found");
			client(port).delete().uri("/actuator/otp/{phone}", "+77011234567").exchange().expectStatus().isNotFound();
		}
		assertThat(output).contains("otp.support.unblock phone=+7701***4567 cleared=none caller=127.0.0.1 "
				+ "request_id=prod-unblock-1")
			.doesNotContain("+77011234567");
	}

	private static WebTestClient client(int port) {
		return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).build();
	}

	private static Map<String, String> safeSettings() {
		Map<String, String> settings = new LinkedHashMap<>();
		settings.put("server.port", "0");
		settings.put("spring.data.redis.url", TestRedis.url());
		settings.put("cvety.otp.hash-secret", HASH);
		settings.put("cvety.otp.token-secret", TOKEN);
		settings.put("cvety.otp.sms.webhook-url", "http://127.0.0.1:9/sms");
		return settings;
	}

	private static ConfigurableApplicationContext start(Map<String, String> settings) {
		// As command-line arguments: they outrank config/application.yml, as ops' overrides do.
		return new SpringApplicationBuilder(GatewayApplication.class).profiles("prod")
			.run(settings.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new));
	}

}
