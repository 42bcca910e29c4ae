package kz.cvety.edge.bench;

import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.cloud.gateway.filter.ratelimit.KeyResolver;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;

import kz.cvety.otp.client.ClientIpResolver;

/**
 * The {@code bench} profile only ({@code load-test/bench.sh}): the client-IP {@link KeyResolver} that Spring
 * Cloud Gateway's own {@code RequestRateLimiter} needs on the {@code /bench/scg/**} route, resolving the IP the
 * same way our {@code RateLimit} filter does, so the two limiters are compared like for like.
 */
@Configuration(proxyBeanMethods = false)
@Profile("bench")
public class BenchConfiguration {

	/** Bean name the bench routes refer to as {@code #{@benchClientIpKeyResolver}}. */
	public static final String KEY_RESOLVER = "benchClientIpKeyResolver";

	@Bean(KEY_RESOLVER)
	KeyResolver benchClientIpKeyResolver(@Value("${cvety.otp.trusted-proxy-hops:0}") int trustedProxyHops,
			@Value("${cvety.otp.ipv6-prefix-length:64}") int ipv6PrefixLength) {
		ClientIpResolver clientIps = new ClientIpResolver(trustedProxyHops, ipv6PrefixLength);
		return exchange -> Mono.just(clientIps.resolve(exchange.getRequest()).limitKey());
	}

}
