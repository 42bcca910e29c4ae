package kz.cvety.otp.web;

import java.net.InetSocketAddress;

import org.springframework.cloud.gateway.support.ipresolver.RemoteAddressResolver;
import org.springframework.cloud.gateway.support.ipresolver.XForwardedRemoteAddressResolver;
import org.springframework.web.server.ServerWebExchange;

/**
 * What the per-IP limit keys on: the connection's peer address, or, behind a configured number of trusted
 * proxies, the X-Forwarded-For entry the outermost trusted proxy added, so a client cannot pick its own bucket
 * by sending the header itself. Uses Spring Cloud Gateway's resolvers.
 */
public final class ClientIpResolver {

	/** Stands for a peer whose address is unknown; all such requests share one bucket. */
	public static final String UNKNOWN = "unknown";

	private final RemoteAddressResolver resolver;

	public ClientIpResolver(int trustedProxyHops) {
		this.resolver = (trustedProxyHops > 0) ? XForwardedRemoteAddressResolver.maxTrustedIndex(trustedProxyHops)
				: new RemoteAddressResolver() {
				};
	}

	/** The client's IP address as text. */
	public String resolve(ServerWebExchange exchange) {
		InetSocketAddress address = this.resolver.resolve(exchange);
		if (address == null) {
			return UNKNOWN;
		}
		return (address.getAddress() != null) ? address.getAddress().getHostAddress() : address.getHostString();
	}

}
