package kz.cvety.otp.autoconfigure;

import java.util.function.Supplier;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.expose.EndpointExposure;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.web.PathMappedEndpoints;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.util.function.SingletonSupplier;

import kz.cvety.otp.OtpSettingsHolder;
import kz.cvety.otp.actuate.OtpSupportEndpoint;
import kz.cvety.otp.actuate.SupportCaller;
import kz.cvety.otp.actuate.SupportCallerFilter;
import kz.cvety.otp.metrics.OtpMetrics;
import kz.cvety.otp.ratelimit.BucketRateLimiter;
import kz.cvety.otp.redis.LettuceBuckets;
import kz.cvety.otp.resilience.RedisGuard;
import kz.cvety.otp.store.CodeSupport;
import kz.cvety.otp.store.OtpKeys;
import kz.cvety.otp.web.RequestIdFilter;

/**
 * The {@code otp} support endpoint, where ops expose it on the web. Which port it may be served on is the
 * application's policy (the gateway refuses the public port in {@code prod}).
 */
@AutoConfiguration(after = OtpAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass(ConditionalOnAvailableEndpoint.class)
@ConditionalOnAvailableEndpoint(endpoint = OtpSupportEndpoint.class, exposure = EndpointExposure.WEB)
@ConditionalOnBean({ OtpSettingsHolder.class, BucketRateLimiter.class, LettuceBuckets.class })
public final class OtpSupportEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	CodeSupport otpCodeSupport(LettuceBuckets redis, OtpKeys keys, RedisGuard guard) {
		return new CodeSupport(redis.scriptRunner(), keys, guard);
	}

	@Bean
	@ConditionalOnMissingBean
	OtpSupportEndpoint otpSupportEndpoint(OtpSettingsHolder policies, OtpKeys keys, BucketRateLimiter limiter,
			CodeSupport codes, ObjectProvider<OtpMetrics> metrics) {
		OtpMetrics meters = metrics.getIfAvailable();
		Runnable unblocked = (meters != null) ? meters.supportUnblocks()::increment : () -> {
		};
		return new OtpSupportEndpoint(policies, keys, limiter, codes, unblocked);
	}

	@Bean
	@ConditionalOnMissingBean
	SupportCallerFilter otpSupportCallerFilter(ObjectProvider<PathMappedEndpoints> endpoints,
			OtpSettingsHolder policies) {
		// Asked on first use: the endpoints' paths are known once every endpoint bean exists.
		Supplier<String> path = SingletonSupplier.of(() -> {
			PathMappedEndpoints mapped = endpoints.getIfAvailable();
			String found = (mapped != null) ? mapped.getPath(EndpointId.of(OtpSupportEndpoint.ID)) : null;
			return (found != null) ? found : "/actuator/" + OtpSupportEndpoint.ID;
		});
		return new SupportCallerFilter(path, exchange -> {
			String requestId = RequestIdFilter.of(exchange);
			return new SupportCaller(policies.get().clientIps().resolve(exchange.getRequest()).address(),
					(requestId != null) ? requestId : SupportCaller.UNKNOWN.requestId());
		});
	}

}
