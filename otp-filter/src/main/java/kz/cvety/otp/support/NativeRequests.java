package kz.cvety.otp.support;

import org.jspecify.annotations.Nullable;

import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;

/**
 * The server's own request under the one Spring adapted from it, for what only the server knows: Reactor Netty's
 * request is its connection (the socket peer, whether it is still open) and keeps the request target as sent.
 */
public final class NativeRequests {

	private NativeRequests() {
	}

	/**
	 * The native request under {@code request} and any decorators of it, or null when there is none to ask: a
	 * request of a server Spring does not adapt, or one built in a test (Spring's mock has none).
	 */
	public static @Nullable Object of(ServerHttpRequest request) {
		try {
			return ServerHttpRequestDecorator.getNativeRequest(request);
		}
		catch (IllegalArgumentException | IllegalStateException ex) {
			return null;
		}
	}

}
