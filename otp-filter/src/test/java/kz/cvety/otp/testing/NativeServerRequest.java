package kz.cvety.otp.testing;

import java.net.InetSocketAddress;
import java.net.URI;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.netty.http.server.HttpServerRequest;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.AbstractServerHttpRequest;
import org.springframework.http.server.reactive.SslInfo;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;

/**
 * A POST to request-otp as Spring adapts a server's request: its native request is the one given (Reactor Netty's is
 * its connection), and so is its remote address when that is Reactor Netty's request (what forwarded handling made
 * of the peer).
 */
public final class NativeServerRequest extends AbstractServerHttpRequest {

	private final Object nativeRequest;

	public NativeServerRequest(Object nativeRequest, HttpHeaders headers) {
		super(HttpMethod.POST, URI.create("http://edge/api/auth/request-otp"), "", headers);
		this.nativeRequest = nativeRequest;
	}

	@Override
	public @Nullable InetSocketAddress getRemoteAddress() {
		return (this.nativeRequest instanceof HttpServerRequest request) ? request.remoteAddress() : null;
	}

	@Override
	protected MultiValueMap<String, HttpCookie> initCookies() {
		return new LinkedMultiValueMap<>();
	}

	@Override
	protected @Nullable SslInfo initSslInfo() {
		return null;
	}

	@Override
	public Flux<DataBuffer> getBody() {
		return Flux.empty();
	}

	@Override
	@SuppressWarnings("unchecked")
	public <T> T getNativeRequest() {
		return (T) this.nativeRequest;
	}

}
