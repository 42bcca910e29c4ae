package kz.cvety.otp.autoconfigure;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.observation.ObservationRegistry;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.core.io.ResourceLoader;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.util.ClassUtils;

import kz.cvety.otp.OtpProperties;
import kz.cvety.otp.redis.LettuceBuckets;
import kz.cvety.otp.redis.RedisTimeMeter;
import kz.cvety.otp.resilience.CircuitRetryAfter;
import kz.cvety.otp.resilience.RedisGuard;
import kz.cvety.otp.store.OtpHasher;
import kz.cvety.otp.store.OtpKeys;
import kz.cvety.otp.store.OtpRedisProperties;
import kz.cvety.otp.store.OtpStore;
import kz.cvety.otp.support.OtpObservations;

/**
 * The OTP store on Redis: the keyed hashes, the Lua scripts, the lean Lettuce connection the store and the rate
 * limits share, the Redis clock, the guard (time limit and circuit breaker) around every Redis step, and the
 * observations of the OTP steps.
 */
@AutoConfiguration(after = { DataRedisReactiveAutoConfiguration.class, OtpCircuitBreakerAutoConfiguration.class })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({ GatewayFilter.class, ReactiveStringRedisTemplate.class, LettuceConnectionFactory.class,
		io.github.bucket4j.redis.lettuce.Bucket4jLettuce.class })
@ConditionalOnBean(ReactiveStringRedisTemplate.class)
@EnableConfigurationProperties({ OtpProperties.class, OtpRedisProperties.class })
public final class OtpStoreAutoConfiguration {

	private static final String TRACING_HANDLER = "io.micrometer.tracing.handler.TracingObservationHandler";

	/** Name of the circuit breaker around the OTP feature's Redis calls. */
	public static final String REDIS_CIRCUIT_BREAKER = "otp-redis";

	@Bean
	@ConditionalOnMissingBean
	OtpHasher otpHasher(OtpProperties properties) {
		return new OtpHasher(Secrets.require("cvety.otp.hash-secret", "OTP_HASH_SECRET", properties.getHashSecret(), ""));
	}

	@Bean
	@ConditionalOnMissingBean
	OtpKeys otpKeys(OtpRedisProperties redis, OtpHasher hasher) {
		return new OtpKeys(redis.getKeyPrefix(), hasher);
	}

	@Bean
	RedisScript<List<Long>> otpIssueScript() {
		return OtpStore.Scripts.script(OtpStore.ISSUE_SCRIPT);
	}

	@Bean
	RedisScript<List<Long>> otpAttemptScript() {
		return OtpStore.Scripts.script(OtpStore.ATTEMPT_SCRIPT);
	}

	@Bean
	RedisScript<List<Long>> otpVerifyScript() {
		return OtpStore.Scripts.script(OtpStore.VERIFY_SCRIPT);
	}

	@Bean
	RedisScript<List<Long>> otpDiscardScript() {
		return OtpStore.Scripts.script(OtpStore.DISCARD_SCRIPT);
	}

	@Bean
	@ConditionalOnMissingBean
	OtpObservations otpObservations(ObjectProvider<ObservationRegistry> registry, ResourceLoader resources) {
		ObservationRegistry observations = registry.getIfAvailable(() -> ObservationRegistry.NOOP);
		return ClassUtils.isPresent(TRACING_HANDLER, resources.getClassLoader())
				? new OtpObservations(observations, SampledTraces::recorded) : new OtpObservations(observations);
	}

	@Bean
	@ConditionalOnMissingBean
	RedisGuard otpRedisGuard(OtpRedisProperties redis, OtpObservations observations,
			CircuitBreakerRegistry circuitBreakers) {
		return new RedisGuard(new CircuitRetryAfter(
				OwnCircuitBreakers.requireUnmade(circuitBreakers, REDIS_CIRCUIT_BREAKER, "cvety.otp.redis.*")
					.circuitBreaker(REDIS_CIRCUIT_BREAKER, redis.circuitBreakerConfig()),
				Clock.systemUTC()),
				redis.getCommandTimeout(), observations);
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	RedisTimeMeter otpRedisTimeMeter(ReactiveStringRedisTemplate redis) {
		Mono<Long> time = redis.execute(connection -> connection.serverCommands().time())
			.next()
			.map(millis -> millis * 1000);
		return new RedisTimeMeter(time, Duration.ofSeconds(30));
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	LettuceBuckets otpLettuceBuckets(ReactiveRedisConnectionFactory connectionFactory, RedisTimeMeter clock,
			OtpRedisProperties redis) {
		if (!(connectionFactory instanceof LettuceConnectionFactory lettuce)) {
			throw new IllegalStateException("The OTP rate limits need Lettuce (spring.data.redis.client-type=lettuce)");
		}
		LettuceBuckets buckets = new LettuceBuckets(lettuce.getRequiredNativeClient(), clock, redis.getCommandTimeout());
		buckets.warmUp();
		return buckets;
	}

	@Bean
	@ConditionalOnMissingBean
	OtpStore otpStore(LettuceBuckets redis, OtpKeys keys, RedisGuard guard,
			RedisScript<List<Long>> otpIssueScript, RedisScript<List<Long>> otpAttemptScript,
			RedisScript<List<Long>> otpVerifyScript, RedisScript<List<Long>> otpDiscardScript) {
		return new OtpStore(redis.scriptRunner(), keys, guard,
				new OtpStore.Scripts(otpIssueScript, otpAttemptScript, otpVerifyScript, otpDiscardScript));
	}

}
