package kz.cvety.otp.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import kz.cvety.otp.resilience.CircuitBreakerHealthIndicator;
import kz.cvety.otp.resilience.RedisGuard;
import kz.cvety.otp.sms.ResilientSmsSender;
import kz.cvety.otp.sms.SmsProperties;
import kz.cvety.otp.web.OtpWarmUp;

/**
 * Health of the OTP store and the SMS provider, from their circuit breakers, and whether the start-up warm-up of
 * the OTP paths has finished (for readiness).
 */
@AutoConfiguration(after = { OtpStoreAutoConfiguration.class, OtpSmsAutoConfiguration.class,
		OtpAutoConfiguration.class })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({ GatewayFilter.class, ReactiveStringRedisTemplate.class, LettuceConnectionFactory.class,
		io.github.bucket4j.redis.lettuce.Bucket4jLettuce.class, HealthIndicator.class })
@ConditionalOnBean(ReactiveStringRedisTemplate.class)
public final class OtpHealthAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "otpStoreHealthIndicator")
	HealthIndicator otpStoreHealthIndicator(RedisGuard guard) {
		return new CircuitBreakerHealthIndicator(guard.circuit().circuitBreaker());
	}

	@Bean
	@ConditionalOnBean(OtpWarmUp.class)
	@ConditionalOnMissingBean(name = "otpWarmUpHealthIndicator")
	HealthIndicator otpWarmUpHealthIndicator(OtpWarmUp warmUp) {
		return () -> {
			OtpWarmUp.Progress progress = warmUp.progress();
			if (!progress.finished()) {
				return Health.outOfService().withDetail("passes", progress.passes()).build();
			}
			Health.Builder health = Health.up()
				.withDetail("passes", progress.passes())
				.withDetail("tookMillis", progress.took().toMillis());
			return (progress.problem() != null) ? health.withDetail("warning", progress.problem()).build()
					: health.build();
		};
	}

	@Bean
	@ConditionalOnProperty(prefix = SmsProperties.PREFIX, name = "provider", havingValue = "webhook",
			matchIfMissing = true)
	@ConditionalOnMissingBean(name = "smsHealthIndicator")
	HealthIndicator smsHealthIndicator(ResilientSmsSender sms) {
		return new CircuitBreakerHealthIndicator(sms.circuitBreaker());
	}

}
