package kz.cvety.otp.autoconfigure;

import java.time.Clock;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import kz.cvety.otp.metrics.OtpMetrics;
import kz.cvety.otp.resilience.RedisGuard;
import kz.cvety.otp.support.OtpObservations;

/**
 * The OTP meters (sends, verifications, limit decisions, Redis and SMS latency), when the application has a meter
 * registry; the circuit breakers' meters are bound with their registry ({@link OtpCircuitBreakerAutoConfiguration}).
 */
// After the meter registry: the meters are conditional on it, and would silently not exist otherwise.
@AutoConfiguration(after = OtpStoreAutoConfiguration.class,
		afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({ GatewayFilter.class, ReactiveStringRedisTemplate.class, LettuceConnectionFactory.class,
		io.github.bucket4j.redis.lettuce.Bucket4jLettuce.class, MeterRegistry.class })
@ConditionalOnBean({ ReactiveStringRedisTemplate.class, MeterRegistry.class })
public final class OtpMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	OtpMetrics otpMetrics(MeterRegistry registry, RedisGuard guard) {
		OtpMetrics metrics = new OtpMetrics(registry, Clock.systemUTC());
		guard.observeWith(metrics);
		return metrics;
	}

	/**
	 * No meters for the OTP step observations: they exist for traces, and the {@code cvety.otp} timers already
	 * measure the same steps.
	 */
	@Bean
	MeterFilter otpObservationMeterFilter() {
		return MeterFilter.denyNameStartsWith(OtpObservations.PREFIX);
	}

}
