package kz.cvety.otp.autoconfigure;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelOption;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.cloud.client.circuitbreaker.ReactiveCircuitBreakerFactory;
import org.springframework.cloud.context.scope.refresh.RefreshScopeRefreshedEvent;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.util.function.SingletonSupplier;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import kz.cvety.otp.OtpOutcomes;
import kz.cvety.otp.OtpPolicyHolder;
import kz.cvety.otp.OtpProperties;
import kz.cvety.otp.OtpService;
import kz.cvety.otp.admission.LimitsProperties;
import kz.cvety.otp.admission.OtpAdmission;
import kz.cvety.otp.autoconfigure.UnsafeConfigurationException;
import kz.cvety.otp.metrics.OtpDecisionLog;
import kz.cvety.otp.metrics.OtpMetrics;
import kz.cvety.otp.metrics.TimedSmsSender;
import kz.cvety.otp.phone.PhoneMasker;
import kz.cvety.otp.ratelimit.BlockedKeys;
import kz.cvety.otp.ratelimit.BucketRateLimiter;
import kz.cvety.otp.redis.LettuceBuckets;
import kz.cvety.otp.redis.RedisTimeMeter;
import kz.cvety.otp.resilience.CircuitBreakerHealthIndicator;
import kz.cvety.otp.resilience.CircuitRetryAfter;
import kz.cvety.otp.resilience.RedisGuard;
import kz.cvety.otp.sms.LogSmsSender;
import kz.cvety.otp.sms.ResilientSmsSender;
import kz.cvety.otp.sms.SmsProperties;
import kz.cvety.otp.sms.SmsSender;
import kz.cvety.otp.sms.SmsTextTemplate;
import kz.cvety.otp.sms.WebhookSmsSender;
import kz.cvety.otp.store.CodeGenerator;
import kz.cvety.otp.store.OtpHasher;
import kz.cvety.otp.store.OtpKeys;
import kz.cvety.otp.store.OtpRedisProperties;
import kz.cvety.otp.store.OtpStore;
import kz.cvety.otp.token.VerificationTokenIssuer;
import kz.cvety.otp.web.BackendHandoff;
import kz.cvety.otp.web.BackendHeadersFilter;
import kz.cvety.otp.web.OtpAdmissionGatewayFilterFactory;
import kz.cvety.otp.web.OtpHandler;
import kz.cvety.otp.web.OtpRoutes;
import kz.cvety.otp.web.OtpWarmUp;
import kz.cvety.otp.web.RateLimitGatewayFilterFactory;

/**
 * The OTP feature for a Spring Cloud Gateway (WebFlux) application: the {@code OtpAdmission} route filter, the
 * Redis store and rate limiter, the SMS sender, the verification token and the embedded handler.
 */
// After the meter registry and the Resilience4J circuit breaker factory: the metrics and the hand-off are
// conditional on those beans, and would silently not exist otherwise.
@AutoConfiguration(after = DataRedisReactiveAutoConfiguration.class,
		afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
				"org.springframework.cloud.circuitbreaker.resilience4j.ReactiveResilience4JAutoConfiguration" })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({ GatewayFilter.class, ReactiveStringRedisTemplate.class, LettuceConnectionFactory.class,
		io.github.bucket4j.redis.lettuce.Bucket4jLettuce.class })
@ConditionalOnBean(ReactiveStringRedisTemplate.class)
@EnableConfigurationProperties({ OtpProperties.class, LimitsProperties.class, SmsProperties.class,
		OtpRedisProperties.class })
public final class OtpAutoConfiguration {

	private static final Log logger = LogFactory.getLog(OtpAutoConfiguration.class);

	/** Name of the circuit breaker around the OTP feature's Redis calls. */
	public static final String REDIS_CIRCUIT_BREAKER = "otp-redis";

	@Bean
	@ConditionalOnMissingBean
	OtpHasher otpHasher(OtpProperties properties) {
		String secret = properties.getHashSecret();
		if (secret == null || secret.isBlank()) {
			throw new UnsafeConfigurationException("cvety.otp.hash-secret", "is not set (OTP_HASH_SECRET)",
					"Set OTP_HASH_SECRET to at least 32 random bytes, e.g. the output of: openssl rand -base64 48");
		}
		if (secret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < OtpHasher.MIN_SECRET_BYTES) {
			throw new UnsafeConfigurationException("cvety.otp.hash-secret",
					"is shorter than " + OtpHasher.MIN_SECRET_BYTES + " bytes",
					"Set OTP_HASH_SECRET to at least 32 random bytes, e.g. the output of: openssl rand -base64 48");
		}
		return new OtpHasher(secret);
	}

	@Bean
	@ConditionalOnMissingBean
	VerificationTokenIssuer verificationTokenIssuer(OtpProperties properties) {
		String secret = properties.getTokenSecret();
		if (secret == null || secret.isBlank()) {
			throw new UnsafeConfigurationException("cvety.otp.token-secret", "is not set (OTP_TOKEN_SECRET)",
					"Set OTP_TOKEN_SECRET to at least 32 random bytes, shared with the backend that checks tokens.");
		}
		try {
			return new VerificationTokenIssuer(secret, properties.getTokenTtl(), Clock.systemUTC());
		}
		catch (IllegalArgumentException ex) {
			throw new UnsafeConfigurationException("cvety.otp.token-secret",
					ex.getMessage().replaceFirst("^cvety\\.otp\\.token-secret\\s*", ""),
					"Set OTP_TOKEN_SECRET to at least 32 random bytes, shared with the backend that checks tokens.");
		}
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
	RedisGuard otpRedisGuard(OtpRedisProperties redis) {
		CircuitBreaker circuitBreaker = CircuitBreaker.of(REDIS_CIRCUIT_BREAKER, redis.circuitBreakerConfig());
		return new RedisGuard(new CircuitRetryAfter(circuitBreaker, Clock.systemUTC()), redis.getCommandTimeout());
	}

	@Bean
	@ConditionalOnMissingBean
	OtpStore otpStore(LettuceBuckets redis, OtpKeys keys, RedisGuard guard,
			RedisScript<List<Long>> otpIssueScript, RedisScript<List<Long>> otpAttemptScript,
			RedisScript<List<Long>> otpVerifyScript, RedisScript<List<Long>> otpDiscardScript) {
		return new OtpStore(redis.scriptRunner(), keys, guard,
				new OtpStore.Scripts(otpIssueScript, otpAttemptScript, otpVerifyScript, otpDiscardScript));
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
	BucketRateLimiter otpRateLimiter(LettuceBuckets buckets, RedisGuard guard) {
		return new BucketRateLimiter(buckets, new BlockedKeys(100_000, Ticker.systemTicker()), guard);
	}

	@Bean
	@ConditionalOnMissingBean
	OtpPolicyHolder otpPolicyHolder(OtpProperties otp, LimitsProperties limits, BucketRateLimiter limiter) {
		try {
			OtpPolicyHolder holder = new OtpPolicyHolder(otp, limits, limiter::limitsChanged);
			warnAboutTestNumbers(otp);
			return holder;
		}
		catch (IllegalArgumentException ex) {
			String message = ex.getMessage();
			String key = message.contains(":") ? message.substring(0, message.indexOf(':')) : "cvety.otp";
			throw new UnsafeConfigurationException(key, message.substring(message.indexOf(':') + 1).trim(),
					"Fix the value in config/application.yml or the environment.");
		}
	}

	@Bean
	@ConditionalOnMissingBean
	BackendHeadersFilter otpBackendHeadersFilter(OtpPolicyHolder policies) {
		return new BackendHeadersFilter(exchange -> policies.get().clientIps().resolve(exchange.getRequest()).address());
	}

	@Bean
	@ConditionalOnMissingBean
	OtpWarmUp otpWarmUp(OtpPolicyHolder policies, BucketRateLimiter limiter, OtpStore store, OtpKeys keys) {
		return new OtpWarmUp(policies, limiter, store, keys);
	}

	@Bean
	@ConditionalOnMissingBean
	OtpAdmission otpAdmission(BucketRateLimiter limiter, OtpKeys keys, OtpStore store,
			ObjectProvider<OtpMetrics> metrics) {
		return new OtpAdmission(limiter, keys, store, listener(metrics));
	}

	@Bean
	@ConditionalOnMissingBean
	OtpOutcomes otpOutcomes(ObjectProvider<OtpMetrics> metrics) {
		return new OtpDecisionLog(metrics.getIfAvailable());
	}

	@Bean
	@ConditionalOnMissingBean
	CodeGenerator otpCodeGenerator() {
		return new CodeGenerator();
	}

	@Bean
	@ConditionalOnMissingBean
	SmsTextTemplate otpSmsTextTemplate(SmsProperties sms) {
		return new SmsTextTemplate(sms.getText());
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnProperty(prefix = SmsProperties.PREFIX, name = "provider", havingValue = "webhook",
			matchIfMissing = true)
	ResilientSmsSender otpWebhookSmsSender(SmsProperties sms) {
		if (sms.getWebhookUrl() == null || sms.getWebhookUrl().toString().isBlank()) {
			throw new UnsafeConfigurationException("cvety.otp.sms.webhook-url", "is not set (OTP_SMS_WEBHOOK_URL)",
					"Set OTP_SMS_WEBHOOK_URL to the SMS provider's webhook, or cvety.otp.sms.provider=log on a "
							+ "developer machine.");
		}
		if (sms.getConnectTimeout().compareTo(sms.getTimeout()) >= 0) {
			throw new UnsafeConfigurationException("cvety.otp.sms.connect-timeout",
					"(" + sms.getConnectTimeout() + ") must be shorter than cvety.otp.sms.timeout (" + sms.getTimeout()
							+ ")",
					"Lower cvety.otp.sms.connect-timeout so a refused connection can be retried within the timeout.");
		}
		HttpClient httpClient = HttpClient.create()
			.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) sms.getConnectTimeout().toMillis());
		WebClient client = WebClient.builder().clientConnector(new ReactorClientHttpConnector(httpClient)).build();
		return new ResilientSmsSender(new WebhookSmsSender(client, sms.getWebhookUrl()), sms.resilience());
	}

	@Bean
	@Primary
	@ConditionalOnMissingBean(name = "otpSmsSender")
	SmsSender otpSmsSender(ObjectProvider<ResilientSmsSender> webhook, ObjectProvider<OtpMetrics> metrics) {
		SmsSender sender = webhook.getIfAvailable();
		if (sender == null) {
			logger.warn("SMS provider is 'log': codes are printed to the log, not sent (local development only)");
			sender = new LogSmsSender();
		}
		OtpMetrics meters = metrics.getIfAvailable();
		return (meters != null) ? new TimedSmsSender(sender, meters) : sender;
	}

	@Bean
	@ConditionalOnMissingBean
	OtpService otpService(OtpStore store, OtpHasher hasher, CodeGenerator codes, SmsSender sms,
			SmsTextTemplate text, VerificationTokenIssuer tokens) {
		return new OtpService(store, hasher, codes, sms, text, tokens);
	}

	@Bean
	@ConditionalOnMissingBean
	OtpAdmissionGatewayFilterFactory otpAdmissionGatewayFilterFactory(OtpPolicyHolder policies,
			OtpAdmission admission, OtpOutcomes outcomes) {
		return new OtpAdmissionGatewayFilterFactory(policies, admission, outcomes);
	}

	@Bean
	@ConditionalOnMissingBean
	RateLimitGatewayFilterFactory rateLimitGatewayFilterFactory(BucketRateLimiter limiter, OtpKeys keys,
			OtpPolicyHolder policies, ObjectProvider<OtpMetrics> metrics) {
		return new RateLimitGatewayFilterFactory(limiter, keys, policies, listener(metrics));
	}

	@Bean
	@ConditionalOnMissingBean
	OtpHandler otpHandler(OtpService service, ObjectProvider<BackendHandoff> handoff, OtpProperties otp) {
		BackendHandoff backend = handoff.getIfAvailable();
		if (otp.getHandoff().isEnabled() && backend == null) {
			throw new UnsafeConfigurationException("cvety.otp.handoff.enabled",
					"is true, but there is no ReactiveCircuitBreakerFactory to guard the backend with",
					"Add spring-cloud-starter-circuitbreaker-reactor-resilience4j, or turn the hand-off off.");
		}
		return new OtpHandler(service, backend);
	}

	@Bean
	RouterFunction<ServerResponse> otpRouterFunction(OtpHandler handler) {
		return RouterFunctions.route(RequestPredicates.path(OtpRoutes.INTERNAL_REQUEST_OTP), handler::requestOtp)
			.andRoute(RequestPredicates.path(OtpRoutes.INTERNAL_VERIFY_OTP), handler::verifyOtp)
			.andRoute(RequestPredicates.path(OtpRoutes.INTERNAL_PATTERN), handler::refuse);
	}

	private static OtpAdmission.AdmissionListener listener(ObjectProvider<OtpMetrics> metrics) {
		OtpMetrics meters = metrics.getIfAvailable();
		return (meters != null) ? meters : OtpAdmission.AdmissionListener.none();
	}

	private static void warnAboutTestNumbers(OtpProperties otp) {
		if (!otp.getTestNumbers().isEmpty()) {
			logger.warn("OTP test numbers are configured: " + otp.getTestNumbers().keySet().stream()
				.map(PhoneMasker::mask)
				.toList() + " get fixed codes and never an SMS (cvety.otp.test-numbers)");
		}
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBean(ReactiveCircuitBreakerFactory.class)
	static class HandoffConfiguration {

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnProperty(prefix = OtpProperties.PREFIX, name = "handoff.enabled", havingValue = "true")
		BackendHandoff otpBackendHandoff(OtpProperties otp, ReactiveCircuitBreakerFactory<?, ?> circuitBreakers,
				ObjectProvider<HttpClient> httpClient, ObjectProvider<List<HttpHeadersFilter>> headersFilters) {
			URI url = otp.getHandoff().getUrl();
			if (url == null) {
				throw new UnsafeConfigurationException("cvety.otp.handoff.url", "is not set, but the hand-off is on",
						"Set it to the backend's base URL (the gateway's config sets it to cvety.backend-url).");
			}
			HttpClient client = httpClient.getIfAvailable(HttpClient::create);
			// Asked on use, as Spring Cloud Gateway's routing filter does: the header filters include this
			// configuration's own, and a hand-off happens only once the context is running.
			Supplier<List<HttpHeadersFilter>> filters = SingletonSupplier.of(() -> headersFilters.getIfAvailable(List::of));
			return new BackendHandoff(WebClient.builder().clientConnector(new ReactorClientHttpConnector(client)).build(),
					url, circuitBreakers.create(otp.getHandoff().getCircuitBreaker()), filters);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterRegistry.class)
	@ConditionalOnBean(MeterRegistry.class)
	static class MetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		OtpMetrics otpMetrics(MeterRegistry registry, RedisGuard guard, ObjectProvider<ResilientSmsSender> sms) {
			List<CircuitBreaker> circuitBreakers = new ArrayList<>();
			circuitBreakers.add(guard.circuit().circuitBreaker());
			sms.ifAvailable(sender -> circuitBreakers.add(sender.circuitBreaker()));
			OtpMetrics metrics = new OtpMetrics(registry, Clock.systemUTC(), circuitBreakers);
			guard.observeWith(metrics);
			return metrics;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(HealthIndicator.class)
	static class HealthConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "otpStoreHealthIndicator")
		HealthIndicator otpStoreHealthIndicator(RedisGuard guard) {
			return new CircuitBreakerHealthIndicator(guard.circuit().circuitBreaker());
		}

		@Bean
		@ConditionalOnProperty(prefix = SmsProperties.PREFIX, name = "provider", havingValue = "webhook",
				matchIfMissing = true)
		@ConditionalOnMissingBean(name = "smsHealthIndicator")
		HealthIndicator smsHealthIndicator(ResilientSmsSender sms) {
			return new CircuitBreakerHealthIndicator(sms.circuitBreaker());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(RefreshScopeRefreshedEvent.class)
	static class RefreshConfiguration {

		@Bean
		ApplicationListener<RefreshScopeRefreshedEvent> otpPolicyRefresher(OtpPolicyHolder holder) {
			return event -> holder.refresh();
		}

		@Bean
		static UnknownPropertiesRefreshGuard unknownPropertiesRefreshGuard(ConfigurableEnvironment environment) {
			return new UnknownPropertiesRefreshGuard(environment);
		}

	}

}
