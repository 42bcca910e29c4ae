package kz.cvety.otp.autoconfigure;

import io.github.resilience4j.timelimiter.TimeLimiterConfig;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.circuitbreaker.resilience4j.ReactiveResilience4JCircuitBreakerFactory;
import org.springframework.cloud.client.circuitbreaker.Customizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import kz.cvety.otp.edge.EdgeProperties;
import kz.cvety.otp.edge.StrictStartupChecks;
import kz.cvety.otp.web.PathGuardFilter;
import kz.cvety.otp.web.ProblemExceptionHandler;
import kz.cvety.otp.web.RequestIdFilter;
import kz.cvety.otp.web.RequestIdHeadersFilter;
import kz.cvety.otp.web.VerificationHeaderStripFilter;

/**
 * The edge around the OTP feature: problem answers for every error, the verification header strip, the
 * backend circuit breaker, and strict start-up checks.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@EnableConfigurationProperties(EdgeProperties.class)
public final class EdgeAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ProblemExceptionHandler problemExceptionHandler(EdgeProperties properties) {
		return new ProblemExceptionHandler(properties.getBackend().getWaitDurationInOpenState());
	}

	@Bean
	@ConditionalOnMissingBean
	VerificationHeaderStripFilter verificationHeaderStripFilter() {
		return new VerificationHeaderStripFilter();
	}

	@Bean
	@ConditionalOnMissingBean
	PathGuardFilter pathGuardFilter() {
		return new PathGuardFilter();
	}

	@Bean
	@ConditionalOnMissingBean
	RequestIdFilter requestIdFilter() {
		return new RequestIdFilter();
	}

	@Bean
	@ConditionalOnMissingBean
	RequestIdHeadersFilter requestIdHeadersFilter() {
		return new RequestIdHeadersFilter();
	}

	@Bean
	@ConditionalOnProperty(prefix = EdgeProperties.PREFIX, name = "strict", havingValue = "true")
	static StrictStartupChecks strictStartupChecks(Environment environment) {
		return new StrictStartupChecks(environment);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(ReactiveResilience4JCircuitBreakerFactory.class)
	static class BackendCircuitBreakerConfiguration {

		@Bean
		Customizer<ReactiveResilience4JCircuitBreakerFactory> backendCircuitBreakerCustomizer(
				EdgeProperties properties) {
			EdgeProperties.Backend backend = properties.getBackend();
			return factory -> factory.configure(builder -> builder
				.timeLimiterConfig(TimeLimiterConfig.custom()
					.timeoutDuration(backend.getTimeout())
					.cancelRunningFuture(true)
					.build())
				.circuitBreakerConfig(backend.circuitBreakerConfig()), EdgeProperties.BACKEND_CIRCUIT_BREAKER);
		}

	}

}
