package kz.cvety.otp.autoconfigure;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.tracing.exporter.SpanExportingPredicate;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import kz.cvety.otp.metrics.OtpMetrics;
import kz.cvety.otp.ratelimit.BucketRateLimiter;
import kz.cvety.otp.sms.ResilientSmsSender;
import kz.cvety.otp.sms.SmsSender;
import kz.cvety.otp.store.OtpHasher;
import kz.cvety.otp.store.OtpStore;
import kz.cvety.otp.support.OtpObservations;
import kz.cvety.otp.testing.TestRedis;
import kz.cvety.otp.web.BackendHandoff;
import kz.cvety.otp.web.OtpAdmissionGatewayFilterFactory;
import kz.cvety.otp.web.OtpHandler;
import kz.cvety.otp.web.RateLimitGatewayFilterFactory;
import kz.cvety.otp.web.WarmUpSmsSink;
import kz.cvety.otp.web.WarmUpTraffic;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The library's auto-configurations, per feature, on a real Redis: what each contributes, what it needs, and
 * that each backs off for the application's own beans.
 */
public class OtpAutoConfigurationsIT {

	private static final String SECRET = "test-secret-0123456789abcdefghijklmnopqrstuv";

	/** Redis and every OTP auto-configuration, as an application gets them. */
	public static final AutoConfigurations OTP = AutoConfigurations.of(DataRedisAutoConfiguration.class,
			DataRedisReactiveAutoConfiguration.class, OtpCircuitBreakerAutoConfiguration.class,
			OtpStoreAutoConfiguration.class, OtpRateLimitAutoConfiguration.class, OtpMetricsAutoConfiguration.class,
			OtpSmsAutoConfiguration.class, OtpHealthAutoConfiguration.class, OtpAutoConfiguration.class);

	private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(OTP)
		.withPropertyValues("spring.data.redis.url=" + TestRedis.url(),
				"cvety.otp.redis.key-prefix=" + TestRedis.uniquePrefix(), "cvety.otp.hash-secret=" + SECRET,
				"cvety.otp.token-secret=" + SECRET, "cvety.otp.sms.provider=log");

	@Test
	void everyFeatureIsThereWithRedis() {
		this.runner.run(context -> assertThat(context).hasNotFailed()
			.hasSingleBean(OtpStore.class)
			.hasSingleBean(BucketRateLimiter.class)
			.hasSingleBean(RateLimitGatewayFilterFactory.class)
			.hasSingleBean(OtpAdmissionGatewayFilterFactory.class)
			.hasSingleBean(OtpHandler.class)
			.hasBean("otpSmsSender")
			.doesNotHaveBean(ResilientSmsSender.class)
			.doesNotHaveBean(OtpMetrics.class)
			.doesNotHaveBean(BackendHandoff.class));
	}

	@Test
	void nothingWithoutRedis() {
		new ReactiveWebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(OtpCircuitBreakerAutoConfiguration.class,
					OtpStoreAutoConfiguration.class, OtpRateLimitAutoConfiguration.class, OtpSmsAutoConfiguration.class,
					OtpAutoConfiguration.class))
			.run(context -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(CircuitBreakerRegistry.class)
				.doesNotHaveBean(OtpStore.class)
				.doesNotHaveBean(BucketRateLimiter.class)
				.doesNotHaveBean(OtpHandler.class));
	}

	@Test
	void metersOnlyWithAMeterRegistry() {
		this.runner.withUserConfiguration(Meters.class)
			.run(context -> assertThat(context).hasNotFailed().hasSingleBean(OtpMetrics.class));
	}

	@Test
	void withoutMicrometerTracingTheOtpStepsAreStillObserved() {
		this.runner.withClassLoader(new FilteredClassLoader("io.micrometer.tracing"))
			.run(context -> {
				assertThat(context).hasNotFailed().hasSingleBean(OtpObservations.class);
				assertThat(context.getBean(OtpObservations.class).redis("issue", Mono.just("ok")).block())
					.isEqualTo("ok");
			});
	}

	@Test
	void theWarmUpsSpansAreKeptFromExportWithTracingAndNothingIsNeededWithout() {
		this.runner.run(context -> assertThat(context).hasNotFailed()
			.hasBean("otpWarmUpSpanExportingPredicate"));
		this.runner.withClassLoader(new FilteredClassLoader(SpanExportingPredicate.class))
			.run(context -> assertThat(context).hasNotFailed()
				.hasSingleBean(WarmUpTraffic.class)
				.doesNotHaveBean("otpWarmUpSpanExportingPredicate"));
	}

	@Test
	void withAWebhookProviderTheWarmUpSendsToASinkOfItsOwnAndWithTheLogProviderToNone() {
		this.runner.run(context -> assertThat(context.getBean(WarmUpTraffic.class).throwaway().sms()).isNull());
		this.runner.withPropertyValues("cvety.otp.sms.provider=webhook", "cvety.otp.sms.webhook-url=http://192.0.2.1/sms")
			.run(context -> {
				WarmUpSmsSink sink = context.getBean(WarmUpTraffic.class).throwaway().sms();
				assertThat(sink).isNotNull();
				assertThat(sink.url().getHost()).isEqualTo("127.0.0.1");
				CircuitBreakerRegistry breakers = context.getBean(CircuitBreakerRegistry.class);
				assertThat(breakers.circuitBreaker(ResilientSmsSender.NAME)).as("the provider's breaker, not the warm-up's")
					.isSameAs(context.getBean(ResilientSmsSender.class).circuitBreaker());
				context.close();
				assertThat(sink.closed()).as("closed with the context at the latest").isTrue();
			});
	}

	@Test
	void theApplicationsOwnBeansWin() {
		this.runner.withUserConfiguration(OwnBeans.class).run(context -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(OtpHasher.class)).isSameAs(context.getBean(OwnBeans.class).hasher);
			assertThat(context.getBean("otpSmsSender")).isSameAs(context.getBean(OwnBeans.class).sms);
		});
	}

	@Test
	void aMissingOrShortSecretStopsStartUpNamingItsKey() {
		this.runner.withPropertyValues("cvety.otp.hash-secret=").run(context -> assertThat(context).hasFailed()
			.getFailure()
			.rootCause()
			.isInstanceOf(UnsafeConfigurationException.class)
			.hasMessage("cvety.otp.hash-secret: is not set (OTP_HASH_SECRET)"));
		this.runner.withPropertyValues("cvety.otp.token-secret=short").run(context -> assertThat(context).hasFailed()
			.getFailure()
			.rootCause()
			.hasMessage("cvety.otp.token-secret: is shorter than 32 bytes")
			.hasMessageNotContaining("short "));
	}

	@Test
	void aPolicyRuleNamesItsKey() {
		this.runner.withPropertyValues("cvety.otp.ttl=5s").run(context -> assertThat(context).hasFailed()
			.getFailure()
			.rootCause()
			.isInstanceOf(UnsafeConfigurationException.class)
			.hasMessage("cvety.otp.ttl: must be at least 10s, was PT5S"));
	}

	@Configuration(proxyBeanMethods = false)
	static class Meters {

		@Bean
		MeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OwnBeans {

		final OtpHasher hasher = new OtpHasher(SECRET);

		final SmsSender sms = message -> Mono.empty();

		@Bean
		OtpHasher otpHasher() {
			return this.hasher;
		}

		@Bean
		SmsSender otpSmsSender() {
			return this.sms;
		}

	}

}
