package kz.cvety.edge.support;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.test.web.reactive.server.WebTestClient;

import kz.cvety.edge.GatewayApplication;
import kz.cvety.otp.testing.TestRedis;

/**
 * One real gateway (the application, its config/ and the library) on a random port, started with settings
 * given as command-line arguments, as ops would. Several instances may share one Redis.
 */
public final class GatewayInstance implements AutoCloseable {

	private static final Semaphore LOGGING_SET_UP = new Semaphore(1);


	/** A hash secret for tests (not a dev-only value, so the prod profile accepts it). */
	public static final String HASH_SECRET = "test-hash-secret-0123456789abcdefghijklmnop";

	/** The token secret tests check verification tokens with. */
	public static final String TOKEN_SECRET = "test-token-secret-0123456789abcdefghijklmno";

	private final ConfigurableApplicationContext context;

	private final int port;

	private GatewayInstance(ConfigurableApplicationContext context) {
		this.context = context;
		this.port = ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	/**
	 * Starts a gateway on the shared test Redis with a fresh key prefix, test secrets, and an SMS webhook at
	 * {@code smsUrl}; {@code overrides} win over those defaults.
	 */
	public static GatewayInstance start(String smsUrl, Map<String, String> overrides) {
		Map<String, String> settings = defaults(smsUrl, TestRedis.uniquePrefix());
		settings.putAll(overrides);
		return start(settings);
	}

	/** Starts a gateway with exactly {@code settings} (plus the packaged config/). */
	public static GatewayInstance start(Map<String, String> settings) {
		return start(settings, Map.of());
	}

	/** Starts a gateway with exactly {@code settings} and, as beans by name, {@code beans} (a test's span exporter). */
	public static GatewayInstance start(Map<String, String> settings, Map<String, Object> beans) {
		String[] args = settings.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
		// Spring Boot sets up the JVM's one logging system while it prepares an application's environment; two
		// gateways a test starts at once must not do that together (the second fails: "Unable to find Spring
		// Environment in logger context"). They start one at a time up to that point, and together after it.
		AtomicBoolean released = new AtomicBoolean();
		Runnable release = () -> {
			if (released.compareAndSet(false, true)) {
				LOGGING_SET_UP.release();
			}
		};
		LOGGING_SET_UP.acquireUninterruptibly();
		try {
			return new GatewayInstance(new SpringApplicationBuilder(GatewayApplication.class)
				.initializers(GatewayInstance::ownNettyResources,
						context -> beans.forEach(context.getBeanFactory()::registerSingleton))
				.listeners((ApplicationEvent event) -> {
					if (event instanceof ApplicationPreparedEvent) {
						release.run();
					}
				})
				.run(args));
		}
		finally {
			release.run();
		}
	}

	/** The settings {@link #start(String, Map)} begins with; pass the same prefix to make instances share buckets. */
	public static Map<String, String> defaults(String smsUrl, String keyPrefix) {
		Map<String, String> settings = new LinkedHashMap<>();
		settings.put("server.port", "0");
		settings.put("spring.data.redis.url", TestRedis.url());
		settings.put("cvety.otp.redis.key-prefix", keyPrefix);
		settings.put("cvety.otp.hash-secret", HASH_SECRET);
		settings.put("cvety.otp.token-secret", TOKEN_SECRET);
		settings.put("cvety.otp.sms.provider", "webhook");
		settings.put("cvety.otp.sms.webhook-url", smsUrl);
		// The warm-up's passes still run; its wait for the JIT compiler does not: the gateways of a test run share
		// one JVM, whose compiler the tests keep busy. ReadinessWarmUpIT runs it as shipped.
		settings.put("cvety.otp.warm-up.until-compiled", "false");
		return settings;
	}

	/**
	 * Gives the instance its own Netty event loops, as Spring Boot's own test contexts do: by default a context
	 * disposes reactor-netty's global loops when it closes, which would kill every other gateway and stub
	 * server still running in this JVM. They stop without the two-second quiet period.
	 */
	private static void ownNettyResources(ConfigurableApplicationContext context) {
		context.getBeanFactory().addBeanPostProcessor(new BeanPostProcessor() {

			@Override
			public Object postProcessBeforeInitialization(Object bean, String beanName) {
				if (bean instanceof ReactorResourceFactory factory) {
					factory.setUseGlobalResources(false);
					factory.setShutdownQuietPeriod(Duration.ZERO);
				}
				return bean;
			}

		});
	}

	public int port() {
		return this.port;
	}

	public String url() {
		return "http://127.0.0.1:" + this.port;
	}

	/** The Redis key prefix of this instance: every key it writes starts with it. */
	public String keyPrefix() {
		return this.context.getEnvironment().getRequiredProperty("cvety.otp.redis.key-prefix");
	}

	public ConfigurableApplicationContext context() {
		return this.context;
	}

	/** A client for this instance. */
	public WebTestClient client() {
		return WebTestClient.bindToServer().baseUrl(url()).responseTimeout(Duration.ofSeconds(20)).build();
	}

	@Override
	public void close() {
		this.context.close();
	}

}
