package kz.cvety.edge.backend;

import java.time.Clock;

import io.github.resilience4j.timelimiter.TimeLimiterConfig;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.expose.EndpointExposure;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.circuitbreaker.resilience4j.ReactiveResilience4JCircuitBreakerFactory;
import org.springframework.cloud.client.circuitbreaker.Customizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import kz.cvety.edge.StrictStartupChecks;
import kz.cvety.edge.SupportEndpointExposureCheck;
import kz.cvety.otp.actuate.OtpSupportEndpoint;
import kz.cvety.otp.web.ProblemExceptionHandler;

/**
 * The backend every non-OTP route proxies to: its timeout and circuit breaker (also the verification hand-off's),
 * the {@code Retry-After} of its problem answers, and the strict start-up checks of the {@code prod} profile
 * (among them: the support endpoint only on a management port of its own).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(BackendProperties.class)
public class BackendConfiguration {

	@Bean
	Customizer<ReactiveResilience4JCircuitBreakerFactory> backendCircuitBreakerCustomizer(BackendProperties properties) {
		BackendProperties.Backend backend = properties.getBackend();
		return factory -> factory.configure(builder -> builder
			.timeLimiterConfig(TimeLimiterConfig.custom()
				.timeoutDuration(backend.getTimeout())
				.cancelRunningFuture(true)
				.build())
			.circuitBreakerConfig(backend.circuitBreakerConfig()), BackendProperties.BACKEND_CIRCUIT_BREAKER);
	}

	/**
	 * Announces, when the backend is unavailable, the time until its open circuit lets trial calls through plus
	 * their timeout, or the circuit's own wait while it is closed.
	 */
	@Bean
	ProblemExceptionHandler problemExceptionHandler(BackendProperties properties,
			ObjectProvider<ReactiveResilience4JCircuitBreakerFactory> circuitBreakers) {
		BackendProperties.Backend backend = properties.getBackend();
		ReactiveResilience4JCircuitBreakerFactory factory = circuitBreakers.getIfAvailable();
		if (factory == null) {
			return new ProblemExceptionHandler(backend.getWaitDurationInOpenState());
		}
		return new ProblemExceptionHandler(new BackendRetryAfter(factory.getCircuitBreakerRegistry(),
				BackendProperties.BACKEND_CIRCUIT_BREAKER, backend.getWaitDurationInOpenState(), backend.getTimeout(),
				Clock.systemUTC()));
	}

	@Bean
	@ConditionalOnProperty(prefix = BackendProperties.PREFIX, name = "strict", havingValue = "true")
	static StrictStartupChecks strictStartupChecks(Environment environment) {
		return new StrictStartupChecks(environment);
	}

	/** In strict mode the support endpoint, where exposed on the web, must have a management port of its own. */
	@Bean
	@ConditionalOnProperty(prefix = BackendProperties.PREFIX, name = "strict", havingValue = "true")
	@ConditionalOnAvailableEndpoint(endpoint = OtpSupportEndpoint.class, exposure = EndpointExposure.WEB)
	static SupportEndpointExposureCheck supportEndpointExposureCheck(Environment environment) {
		return new SupportEndpointExposureCheck(environment, OtpSupportEndpoint.ID);
	}

}
