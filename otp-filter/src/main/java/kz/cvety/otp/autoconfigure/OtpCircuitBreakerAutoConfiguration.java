package kz.cvety.otp.autoconfigure;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import kz.cvety.otp.metrics.CircuitBreakerMeters;

/**
 * The one Resilience4j {@link CircuitBreakerRegistry} every circuit breaker is made from (the OTP store's, the SMS
 * provider's, and, through Spring Cloud CircuitBreaker, the application's backend), and its meters, bound once.
 */
// After Resilience4j's own registry (which Spring Cloud CircuitBreaker's factory uses), so the library shares it
// rather than make a second; after the meter registry, which the binding is conditional on.
@AutoConfiguration(after = DataRedisReactiveAutoConfiguration.class, afterName = {
		"io.github.resilience4j.springboot3.circuitbreaker.autoconfigure.CircuitBreakerAutoConfiguration",
		"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({ GatewayFilter.class, ReactiveStringRedisTemplate.class, LettuceConnectionFactory.class,
		io.github.bucket4j.redis.lettuce.Bucket4jLettuce.class, CircuitBreakerRegistry.class })
@ConditionalOnBean(ReactiveStringRedisTemplate.class)
public final class OtpCircuitBreakerAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	CircuitBreakerRegistry circuitBreakerRegistry() {
		return CircuitBreakerRegistry.ofDefaults();
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ MeterRegistry.class, TaggedCircuitBreakerMetrics.class })
	@ConditionalOnBean(MeterRegistry.class)
	static class MetricsConfiguration {

		/**
		 * Binds the registry once every singleton exists, unless it is bound already: by then the library's breakers
		 * are in it, and show the meters of Resilience4j's Spring Boot publisher or of Spring Cloud CircuitBreaker's
		 * binding of its factory's registry, where the application has those.
		 */
		@Bean
		SmartInitializingSingleton otpCircuitBreakerMeters(ObjectProvider<CircuitBreakerRegistry> breakers,
				ObjectProvider<MeterRegistry> meters) {
			return () -> CircuitBreakerMeters.bindUnlessBound(breakers.getObject(), meters.getObject());
		}

	}

}
