package kz.cvety.otp.autoconfigure;

import com.github.benmanes.caffeine.cache.Ticker;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import kz.cvety.otp.OtpSettingsHolder;
import kz.cvety.otp.admission.OtpLimitsProperties;
import kz.cvety.otp.admission.OtpAdmission;
import kz.cvety.otp.metrics.OtpMetrics;
import kz.cvety.otp.ratelimit.BlockedKeys;
import kz.cvety.otp.ratelimit.BucketRateLimiter;
import kz.cvety.otp.redis.LettuceBuckets;
import kz.cvety.otp.resilience.RedisGuard;
import kz.cvety.otp.store.OtpKeys;
import kz.cvety.otp.web.RateLimitGatewayFilterFactory;

/**
 * The bucket4j rate limiter on the shared Lettuce connection, and the generic {@code RateLimit} route filter.
 */
@AutoConfiguration(after = OtpStoreAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({ GatewayFilter.class, ReactiveStringRedisTemplate.class, LettuceConnectionFactory.class,
		io.github.bucket4j.redis.lettuce.Bucket4jLettuce.class })
@ConditionalOnBean(ReactiveStringRedisTemplate.class)
@EnableConfigurationProperties(OtpLimitsProperties.class)
public final class OtpRateLimitAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	BucketRateLimiter otpRateLimiter(LettuceBuckets buckets, RedisGuard guard) {
		return new BucketRateLimiter(buckets, new BlockedKeys(100_000, Ticker.systemTicker()), guard);
	}

	@Bean
	@ConditionalOnMissingBean
	RateLimitGatewayFilterFactory rateLimitGatewayFilterFactory(BucketRateLimiter limiter, OtpKeys keys,
			OtpSettingsHolder policies, ObjectProvider<OtpMetrics> metrics) {
		return new RateLimitGatewayFilterFactory(limiter, keys, policies, listener(metrics));
	}

	private static OtpAdmission.AdmissionListener listener(ObjectProvider<OtpMetrics> metrics) {
		OtpMetrics meters = metrics.getIfAvailable();
		return (meters != null) ? meters : OtpAdmission.AdmissionListener.none();
	}

}
