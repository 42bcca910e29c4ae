package kz.cvety.otp.autoconfigure;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.exporter.SpanExportingPredicate;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
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
import org.springframework.cloud.client.circuitbreaker.ReactiveCircuitBreakerFactory;
import org.springframework.cloud.context.scope.refresh.RefreshScopeRefreshedEvent;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.factory.GatewayFilterFactory;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.observation.ObservedRequestHttpHeadersFilter;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;
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
import kz.cvety.otp.OtpSettingsHolder;
import kz.cvety.otp.OtpProperties;
import kz.cvety.otp.OtpService;
import kz.cvety.otp.admission.OtpLimitsProperties;
import kz.cvety.otp.admission.OtpAdmission;
import kz.cvety.otp.autoconfigure.UnsafeConfigurationException;
import kz.cvety.otp.metrics.OtpDecisionLog;
import kz.cvety.otp.metrics.OtpMetrics;
import kz.cvety.otp.phone.PhoneMasker;
import kz.cvety.otp.pumping.PumpingGuard;
import kz.cvety.otp.pumping.PumpingProperties;
import kz.cvety.otp.ratelimit.BlockedKeys;
import kz.cvety.otp.ratelimit.BucketRateLimiter;
import kz.cvety.otp.redis.LettuceBuckets;
import kz.cvety.otp.resilience.CircuitRetryAfter;
import kz.cvety.otp.resilience.RedisGuard;
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
import kz.cvety.otp.support.DetachedWork;
import kz.cvety.otp.support.InvalidSettingException;
import kz.cvety.otp.support.OtpObservations;
import kz.cvety.otp.token.VerificationTokenIssuer;
import kz.cvety.otp.web.BackendHandoff;
import kz.cvety.otp.web.BackendHeadersFilter;
import kz.cvety.otp.web.OtpAdmissionGatewayFilterFactory;
import kz.cvety.otp.web.OtpHandler;
import kz.cvety.otp.web.OtpRoutes;
import kz.cvety.otp.web.OtpWarmUp;
import kz.cvety.otp.web.WarmUpProperties;
import kz.cvety.otp.web.WarmUpSmsSink;
import kz.cvety.otp.web.WarmUpTraffic;
import kz.cvety.otp.web.WarmUpWindow;

/**
 * The OTP endpoints: the policy (refreshed with the configuration), admission, the service, the
 * {@code OtpAdmission} route filter, the pumping guard, the handler and its internal routes, the verification hand-off, the
 * backend header filter and the start-up warm-up.
 */
// After the Resilience4J circuit breaker factory: the hand-off is conditional on it.
@AutoConfiguration(after = { OtpStoreAutoConfiguration.class, OtpRateLimitAutoConfiguration.class,
		OtpSmsAutoConfiguration.class, OtpMetricsAutoConfiguration.class },
		afterName = "org.springframework.cloud.circuitbreaker.resilience4j.ReactiveResilience4JAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({ GatewayFilter.class, ReactiveStringRedisTemplate.class, LettuceConnectionFactory.class,
		io.github.bucket4j.redis.lettuce.Bucket4jLettuce.class })
@ConditionalOnBean(ReactiveStringRedisTemplate.class)
@EnableConfigurationProperties({ OtpProperties.class, OtpLimitsProperties.class, PumpingProperties.class,
		WarmUpProperties.class })
public final class OtpAutoConfiguration {

	/** Name of the circuit breaker around the start-up warm-up's Redis calls. */
	public static final String WARM_UP_CIRCUIT_BREAKER = "otp-warm-up";

	private static final Log logger = LogFactory.getLog(OtpAutoConfiguration.class);

	@Bean
	@ConditionalOnMissingBean
	VerificationTokenIssuer verificationTokenIssuer(OtpProperties properties) {
		String secret = Secrets.require("cvety.otp.token-secret", "OTP_TOKEN_SECRET", properties.getTokenSecret(),
				"shared with the backend that checks tokens");
		if (properties.getTokenTtl().compareTo(Duration.ofSeconds(1)) < 0) {
			throw new UnsafeConfigurationException("cvety.otp.token-ttl",
					"must be at least 1s, was " + properties.getTokenTtl(), "Give the backend time to check the token.");
		}
		try {
			return new VerificationTokenIssuer(secret, properties.getTokenTtl(), Clock.systemUTC());
		}
		catch (IllegalArgumentException ex) {
			// The remaining refusal is of the key itself: a secret the signing library cannot use for HS256.
			throw new UnsafeConfigurationException("cvety.otp.token-secret", "is not a usable HS256 key",
					"Set OTP_TOKEN_SECRET to at least 32 random bytes.");
		}
	}


	@Bean
	@ConditionalOnMissingBean
	OtpSettingsHolder otpPolicyHolder(OtpProperties otp, OtpLimitsProperties limits, PumpingProperties pumping,
			BucketRateLimiter limiter) {
		try {
			OtpSettingsHolder holder = new OtpSettingsHolder(otp, limits, pumping, limiter::limitsChanged);
			warnAboutTestNumbers(otp);
			return holder;
		}
		catch (InvalidSettingException ex) {
			throw new UnsafeConfigurationException(ex.key(), ex.problem(),
					"Fix the value in config/application.yml or the environment.");
		}
	}

	@Bean
	@ConditionalOnMissingBean
	BackendHeadersFilter otpBackendHeadersFilter(OtpSettingsHolder policies) {
		return new BackendHeadersFilter(exchange -> policies.get().clientIps().resolve(exchange.getRequest()).address());
	}

	@Bean
	@ConditionalOnMissingBean
	OtpWarmUp otpWarmUp(OtpSettingsHolder policies, WarmUpProperties settings, WarmUpTraffic traffic,
			ObjectProvider<MeterRegistry> meters) {
		OtpWarmUp warmUp = new OtpWarmUp(policies, traffic, settings);
		warmUp.forgetRouteMetersIn(meters.getIfUnique());
		return warmUp;
	}

	@Bean
	@ConditionalOnMissingBean
	WarmUpTraffic otpWarmUpTraffic(LettuceBuckets redis, OtpRedisProperties redisProperties, OtpHasher hasher,
			RedisScript<List<Long>> otpIssueScript, RedisScript<List<Long>> otpAttemptScript,
			RedisScript<List<Long>> otpVerifyScript, RedisScript<List<Long>> otpDiscardScript, CodeGenerator codes,
			SmsTextTemplate text, OtpProperties otp, SmsProperties sms, ObjectProvider<ResilientSmsSender> webhook,
			ObjectProvider<OtpMetrics> metrics, OtpObservations observations, WarmUpWindow window) {
		// A random segment per start: instances starting together never share, or delete, each other's keys.
		OtpKeys keys = new OtpKeys(redisProperties.getKeyPrefix() + OtpWarmUp.KEY_SEGMENT
				+ UUID.randomUUID().toString().substring(0, 8) + ":", hasher);
		// The same classes as a customer's parts, so the warm-up runs, and the JIT compiler profiles, the same code;
		// meters of their own that nothing scrapes, and observations into the real registry (spans are kept from
		// export while the warm-up runs, and its own meters are denied).
		OtpMetrics meters = (metrics.getIfAvailable() != null) ? OtpMetrics.detached() : null;
		// Its own circuit: a warm-up slowed by a cold JVM never opens the circuit customers' requests go through.
		// Not in the registry: it guards throwaway keys for a few seconds at start, not a dependency whose state
		// dashboards and alerts should show.
		RedisGuard guard = new RedisGuard(new CircuitRetryAfter(
				CircuitBreaker.of(WARM_UP_CIRCUIT_BREAKER, redisProperties.circuitBreakerConfig()), Clock.systemUTC()),
				redisProperties.getCommandTimeout(), observations);
		OtpStore store = new OtpStore(redis.scriptRunner(), keys, guard,
				new OtpStore.Scripts(otpIssueScript, otpAttemptScript, otpVerifyScript, otpDiscardScript));
		BucketRateLimiter limiter = new BucketRateLimiter(redis, new BlockedKeys(1_000, Ticker.systemTicker()), guard);
		PumpingGuard pumping = new PumpingGuard(redis.scriptRunner(), keys, guard, PumpingGuard.Scripts.fromResources());
		if (meters != null) {
			guard.observeWith(meters);
			pumping.listenWith(meters);
		}
		OtpAdmission admission = new OtpAdmission(limiter, keys, store,
				(meters != null) ? meters : OtpAdmission.AdmissionListener.none(), pumping, observations);
		// Tokens signed with a key made for this start and never kept: no backend accepts one.
		byte[] key = new byte[32];
		new SecureRandom().nextBytes(key);
		VerificationTokenIssuer tokens = new VerificationTokenIssuer(Base64.getEncoder().encodeToString(key),
				otp.getTokenTtl(), Clock.systemUTC());
		WarmUpSmsSink sink = (webhook.getIfAvailable() != null) ? WarmUpSmsSink.start() : null;
		OtpService service = new OtpService(store, hasher, codes, warmUpSender(sink, sms, meters, observations), text,
				tokens);
		return new WarmUpTraffic(new WarmUpTraffic.Throwaway(admission, service, keys, redis::delete,
				OtpDecisionLog.discarded(meters), sink), window);
	}

	@Bean
	@ConditionalOnMissingBean
	WarmUpWindow otpWarmUpWindow() {
		return new WarmUpWindow();
	}

	/**
	 * The warm-up's SMS sender: with a webhook provider, the real sender's chain (the resilient webhook sender, timed
	 * and observed) pointed at the warm-up's sink instead of the provider, with a circuit breaker of its own outside
	 * the registry; with the log provider, a sender that sends nothing.
	 */
	private static SmsSender warmUpSender(@Nullable WarmUpSmsSink sink, SmsProperties sms, @Nullable OtpMetrics meters,
			OtpObservations observations) {
		if (sink == null) {
			return message -> Mono.empty();
		}
		ResilientSmsSender resilient = new ResilientSmsSender(
				new WebhookSmsSender(OtpSmsAutoConfiguration.webhookClient(sms, HttpClient.create(sink.connections())),
						sink.url()),
				sms.resilience(), CircuitBreakerRegistry.ofDefaults());
		return OtpSmsAutoConfiguration.timedAndObserved(resilient, meters, observations);
	}

	@Bean
	@ConditionalOnMissingBean
	PumpingGuard otpPumpingGuard(LettuceBuckets redis, OtpKeys keys, RedisGuard guard,
			ObjectProvider<OtpMetrics> metrics) {
		PumpingGuard pumping = new PumpingGuard(redis.scriptRunner(), keys, guard, PumpingGuard.Scripts.fromResources());
		metrics.ifAvailable(pumping::listenWith);
		return pumping;
	}

	@Bean
	@ConditionalOnMissingBean
	OtpAdmission otpAdmission(BucketRateLimiter limiter, OtpKeys keys, OtpStore store,
			ObjectProvider<OtpMetrics> metrics, PumpingGuard pumping, OtpObservations observations,
			DetachedWork detached) {
		return new OtpAdmission(limiter, keys, store, listener(metrics), pumping, observations, detached);
	}

	@Bean
	@ConditionalOnMissingBean
	DetachedWork otpDetachedWork() {
		return new DetachedWork();
	}

	@Bean
	DetachedWorkDrain otpDetachedWorkDrain(DetachedWork detached) {
		return new DetachedWorkDrain(detached);
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
	OtpService otpService(OtpStore store, OtpHasher hasher, CodeGenerator codes, SmsSender sms,
			SmsTextTemplate text, VerificationTokenIssuer tokens) {
		return new OtpService(store, hasher, codes, sms, text, tokens);
	}

	@Bean
	@ConditionalOnMissingBean
	OtpAdmissionGatewayFilterFactory otpAdmissionGatewayFilterFactory(OtpSettingsHolder policies,
			OtpAdmission admission, OtpOutcomes outcomes, ObjectProvider<WarmUpTraffic> warmUp, DetachedWork detached) {
		return new OtpAdmissionGatewayFilterFactory(policies, admission, outcomes, warmUp.getIfAvailable(), detached);
	}

	@Bean
	@ConditionalOnMissingBean
	OtpHandler otpHandler(OtpService service, ObjectProvider<BackendHandoff> handoff, OtpProperties otp,
			ObjectProvider<WarmUpTraffic> warmUp) {
		BackendHandoff backend = handoff.getIfAvailable();
		if (otp.getHandoff().isEnabled() && backend == null) {
			throw new UnsafeConfigurationException("cvety.otp.handoff.enabled",
					"is true, but there is no ReactiveCircuitBreakerFactory to guard the backend with",
					"Add spring-cloud-starter-circuitbreaker-reactor-resilience4j, or turn the hand-off off.");
		}
		WarmUpTraffic traffic = warmUp.getIfAvailable();
		return new OtpHandler(service, backend, (traffic != null) ? traffic.throwaway().service() : null);
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
				ObjectProvider<HttpClient> httpClient, ObjectProvider<List<HttpHeadersFilter>> headersFilters,
				ObjectProvider<ObservationRegistry> observations) {
			URI url = otp.getHandoff().getUrl();
			if (url == null) {
				throw new UnsafeConfigurationException("cvety.otp.handoff.url", "is not set, but the hand-off is on",
						"Set it to the backend's base URL (the gateway's config sets it to cvety.backend-url).");
			}
			HttpClient client = httpClient.getIfAvailable(HttpClient::create);
			// Asked on use, as Spring Cloud Gateway's routing filter does: the header filters include this
			// configuration's own, and a hand-off happens only once the context is running. Not the gateway's
			// observed-request filter: it starts a client observation that only its routing filter ever stops,
			// while the hand-off's WebClient observes its own call (and writes the trace context the backend reads).
			Supplier<List<HttpHeadersFilter>> filters = SingletonSupplier.of(() -> headersFilters.getIfAvailable(List::of)
				.stream()
				.filter(filter -> !(filter instanceof ObservedRequestHttpHeadersFilter))
				.toList());
			WebClient webClient = WebClient.builder()
				.clientConnector(new ReactorClientHttpConnector(client))
				.observationRegistry(observations.getIfAvailable(() -> ObservationRegistry.NOOP))
				.build();
			return new BackendHandoff(webClient, url, circuitBreakers.create(otp.getHandoff().getCircuitBreaker()),
					filters);
		}

	}

	/**
	 * Keeps the warm-up's spans from export: every span started while the warm-up ran, as an exporter cannot tell
	 * its requests from others.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "io.micrometer.tracing.exporter.SpanExportingPredicate")
	static class WarmUpTracingConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "otpWarmUpSpanExportingPredicate")
		SpanExportingPredicate otpWarmUpSpanExportingPredicate(WarmUpWindow window) {
			return span -> window.exports(span.getStartTimestamp());
		}

	}

	@Bean
	static RouteArgumentsCheck otpRouteArgumentsCheck(ConfigurableEnvironment environment,
			ObjectProvider<GatewayFilterFactory<?>> factories) {
		return new RouteArgumentsCheck(environment, factories);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(RefreshScopeRefreshedEvent.class)
	static class RefreshConfiguration {

		@Bean
		ApplicationListener<RefreshScopeRefreshedEvent> otpPolicyRefresher(OtpSettingsHolder holder) {
			return event -> holder.refresh();
		}

		@Bean
		static UnknownPropertiesRefreshGuard unknownPropertiesRefreshGuard(ConfigurableEnvironment environment,
				ObjectProvider<RouteArgumentsCheck> routeArguments) {
			return new UnknownPropertiesRefreshGuard(environment, routeArguments);
		}

	}

}
