package kz.cvety.otp.autoconfigure;

import java.time.Duration;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetricsPublisher;
import io.github.resilience4j.springboot3.bulkhead.autoconfigure.BulkheadAutoConfiguration;
import io.github.resilience4j.springboot3.circuitbreaker.autoconfigure.CircuitBreakerAutoConfiguration;
import io.github.resilience4j.springboot3.timelimiter.autoconfigure.TimeLimiterAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableReactiveWebApplicationContext;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.cloud.circuitbreaker.resilience4j.ReactiveResilience4JAutoConfiguration;
import org.springframework.cloud.circuitbreaker.resilience4j.ReactiveResilience4JCircuitBreakerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import kz.cvety.otp.resilience.RedisGuard;
import kz.cvety.otp.sms.ResilientSmsSender;
import kz.cvety.otp.testing.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One circuit breaker registry for the OTP store, the SMS provider and the application's backend: each
 * breaker made in it with its own settings, the application's registry (or Resilience4j's, with Spring Cloud
 * CircuitBreaker) shared, and the meters bound once.
 */
class OtpCircuitBreakerAutoConfigurationIT {

	private static final String SECRET = "test-secret-0123456789abcdefghijklmnopqrstuv";

	private static final String STATE = "resilience4j.circuitbreaker.state";

	private static final String CALLS = "resilience4j.circuitbreaker.calls";

	private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(OtpAutoConfigurationsIT.OTP)
		.withPropertyValues("spring.data.redis.url=" + TestRedis.url(),
				"cvety.otp.redis.key-prefix=" + TestRedis.uniquePrefix(), "cvety.otp.hash-secret=" + SECRET,
				"cvety.otp.token-secret=" + SECRET, "cvety.otp.sms.provider=webhook",
				"cvety.otp.sms.webhook-url=http://127.0.0.1:9/sms", "cvety.otp.redis.failure-rate-threshold=40",
				"cvety.otp.redis.sliding-window-size=8", "cvety.otp.redis.minimum-number-of-calls=4",
				"cvety.otp.redis.wait-duration-in-open-state=7s", "cvety.otp.sms.failure-rate-threshold=30",
				"cvety.otp.sms.sliding-window-size=12", "cvety.otp.sms.minimum-number-of-calls=6",
				"cvety.otp.sms.wait-duration-in-open-state=20s");

	@Test
	void everyBreakerIsMadeInOneRegistryWithItsOwnSettings() {
		this.runner.run(context -> {
			assertThat(context).hasNotFailed().hasSingleBean(CircuitBreakerRegistry.class);
			CircuitBreakerRegistry registry = context.getBean(CircuitBreakerRegistry.class);
			assertThat(registry.getAllCircuitBreakers()).extracting(CircuitBreaker::getName)
				.containsExactlyInAnyOrder("otp-redis", "sms");

			CircuitBreaker redis = registry.find("otp-redis").orElseThrow();
			assertThat(context.getBean(RedisGuard.class).circuit().circuitBreaker()).isSameAs(redis);
			assertSettings(redis.getCircuitBreakerConfig(), 40, 8, 4, Duration.ofSeconds(7));

			CircuitBreaker sms = registry.find("sms").orElseThrow();
			assertThat(context.getBean(ResilientSmsSender.class).circuitBreaker()).isSameAs(sms);
			assertSettings(sms.getCircuitBreakerConfig(), 30, 12, 6, Duration.ofSeconds(20));
		});
	}

	@Test
	void defaultSettingsAreTheDocumentedOnes() {
		new ReactiveWebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
					DataRedisReactiveAutoConfiguration.class, OtpCircuitBreakerAutoConfiguration.class,
					OtpStoreAutoConfiguration.class, OtpRateLimitAutoConfiguration.class,
					OtpSmsAutoConfiguration.class, OtpAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.url=" + TestRedis.url(),
					"cvety.otp.redis.key-prefix=" + TestRedis.uniquePrefix(), "cvety.otp.hash-secret=" + SECRET,
					"cvety.otp.token-secret=" + SECRET, "cvety.otp.sms.webhook-url=http://127.0.0.1:9/sms")
			.run(context -> {
				CircuitBreakerRegistry registry = context.getBean(CircuitBreakerRegistry.class);
				assertSettings(registry.find("otp-redis").orElseThrow().getCircuitBreakerConfig(), 50, 20, 10,
						Duration.ofSeconds(5));
				assertSettings(registry.find("sms").orElseThrow().getCircuitBreakerConfig(), 50, 20, 10,
						Duration.ofSeconds(30));
			});
	}

	@Test
	void theApplicationsOwnRegistryIsTheOneShared() {
		this.runner.withUserConfiguration(OwnRegistry.class).run(context -> {
			assertThat(context).hasNotFailed().hasSingleBean(CircuitBreakerRegistry.class);
			CircuitBreakerRegistry own = context.getBean(OwnRegistry.class).registry;
			assertThat(context.getBean(CircuitBreakerRegistry.class)).isSameAs(own);
			assertThat(own.find("otp-redis")).containsSame(context.getBean(RedisGuard.class).circuit().circuitBreaker());
			assertThat(own.find("sms")).containsSame(context.getBean(ResilientSmsSender.class).circuitBreaker());
		});
	}

	@Test
	void metersAreBoundOnceWithTheirNamesAndTags() {
		this.runner.withUserConfiguration(OtpAutoConfigurationsIT.Meters.class).run(context -> {
			assertThat(context).hasNotFailed();
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			for (String name : new String[] { "otp-redis", "sms" }) {
				assertThat(meters.find(STATE).tags("name", name, "state", "closed").gauges()).hasSize(1);
			}
			assertCountedOnce(context, "sms");
			assertCountedOnce(context, "otp-redis");
		});
	}

	@Test
	void metersAreNotBoundAgainWhenTheApplicationBindsItsRegistry() {
		this.runner.withUserConfiguration(OwnBoundRegistry.class).run(context -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(CircuitBreakerRegistry.class))
				.isSameAs(context.getBean(OwnBoundRegistry.class).registry);
			assertCountedOnce(context, "sms");
		});
	}

	@Test
	void withSpringCloudCircuitBreakerTheBackendSharesResilience4jsRegistryAndItsMeters() {
		this.runner.withUserConfiguration(OtpAutoConfigurationsIT.Meters.class)
			.withConfiguration(AutoConfigurations.of(CircuitBreakerAutoConfiguration.class,
					TimeLimiterAutoConfiguration.class, BulkheadAutoConfiguration.class,
					ReactiveResilience4JAutoConfiguration.class))
			.run(context -> {
				assertThat(context).hasNotFailed().hasSingleBean(CircuitBreakerRegistry.class);
				CircuitBreakerRegistry registry = context.getBean(CircuitBreakerRegistry.class);
				ReactiveResilience4JCircuitBreakerFactory factory = context
					.getBean(ReactiveResilience4JCircuitBreakerFactory.class);
				assertThat(factory.getCircuitBreakerRegistry()).isSameAs(registry);
				StepVerifier.create(factory.create("backend").run(Mono.just(1))).expectNext(1).verifyComplete();
				assertThat(registry.getAllCircuitBreakers()).extracting(CircuitBreaker::getName)
					.containsExactlyInAnyOrder("otp-redis", "sms", "backend");
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				assertThat(meters.find(CALLS).tags("name", "backend", "kind", "successful").timers()).hasSize(1);
				assertThat(meters.get(CALLS).tags("name", "backend", "kind", "successful").timer().count())
					.isEqualTo(1L);
				assertCountedOnce(context, "sms");
			});
	}

	@Test
	void noSpringCloudCircuitBreakerIsNeeded() {
		this.runner.withUserConfiguration(OtpAutoConfigurationsIT.Meters.class)
			.withClassLoader(new FilteredClassLoader("org.springframework.cloud.circuitbreaker",
					"org.springframework.cloud.client.circuitbreaker", "io.github.resilience4j.springboot3"))
			.run(context -> {
				assertThat(context).hasNotFailed().hasSingleBean(CircuitBreakerRegistry.class);
				assertThat(context.getBean(CircuitBreakerRegistry.class).find("otp-redis")).isPresent();
				assertCountedOnce(context, "sms");
			});
	}

	/** A call through the named breaker shows as one call: a second binding would count it twice. */
	private static void assertCountedOnce(AssertableReactiveWebApplicationContext context, String name) {
		CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class).find(name).orElseThrow();
		MeterRegistry meters = context.getBean(MeterRegistry.class);
		long before = meters.get(CALLS).tags("name", name, "kind", "successful").timer().count();
		breaker.executeRunnable(() -> {
		});
		assertThat(meters.get(CALLS).tags("name", name, "kind", "successful").timer().count()).isEqualTo(before + 1);
	}

	private static void assertSettings(CircuitBreakerConfig config, float failureRateThreshold, int slidingWindowSize,
			int minimumNumberOfCalls, Duration waitDurationInOpenState) {
		assertThat(config.getFailureRateThreshold()).isEqualTo(failureRateThreshold);
		assertThat(config.getSlidingWindowSize()).isEqualTo(slidingWindowSize);
		assertThat(config.getMinimumNumberOfCalls()).isEqualTo(minimumNumberOfCalls);
		assertThat(config.getWaitIntervalFunctionInOpenState().apply(1)).isEqualTo(waitDurationInOpenState.toMillis());
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnRegistry {

		final CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();

		@Bean
		CircuitBreakerRegistry circuitBreakerRegistry() {
			return this.registry;
		}

	}

	/** An application that binds its registry's meters itself, as Resilience4j's Spring Boot publisher does. */
	@Configuration(proxyBeanMethods = false)
	static class OwnBoundRegistry {

		final MeterRegistry meters = new SimpleMeterRegistry();

		final CircuitBreakerRegistry registry = CircuitBreakerRegistry.custom()
			.addRegistryEventConsumer(new TaggedCircuitBreakerMetricsPublisher(this.meters))
			.build();

		@Bean
		MeterRegistry meterRegistry() {
			return this.meters;
		}

		@Bean
		CircuitBreakerRegistry circuitBreakerRegistry() {
			return this.registry;
		}

	}

}
