package kz.cvety.otp.web;

import java.net.URI;
import java.time.Duration;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.netty.Connection;
import reactor.test.StepVerifier;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.http.server.reactive.AbstractServerHttpRequest;
import org.springframework.http.server.reactive.SslInfo;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.adapter.DefaultServerWebExchange;
import org.springframework.web.server.i18n.AcceptHeaderLocaleContextResolver;
import org.springframework.web.server.session.DefaultWebSessionManager;

import static org.assertj.core.api.Assertions.assertThat;

/** What the edge answers for an error it did not expect, with the client still there and after it has gone. */
class ProblemExceptionHandlerTest {

	private final ProblemExceptionHandler handler = new ProblemExceptionHandler(Duration.ofSeconds(10));

	@Test
	void anUnexpectedErrorIsA500ProblemWhileTheClientIsConnected() {
		EmbeddedChannel channel = new EmbeddedChannel();
		ServerWebExchange exchange = exchangeOn(Connection.from(channel));

		StepVerifier.create(this.handler.handle(exchange, new IllegalStateException("boom"))).verifyComplete();

		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
		assertThat(((MockServerHttpResponse) exchange.getResponse()).getBodyAsString().block())
			.contains("\"code\":\"internal_error\"");
		channel.finishAndReleaseAll();
	}

	@Test
	void anErrorAfterTheClientsConnectionClosedIsAnsweredToNobody() {
		EmbeddedChannel channel = new EmbeddedChannel();
		ServerWebExchange exchange = exchangeOn(Connection.from(channel));
		channel.close();

		// What Netty throws when the answer of a request that ran on after its client left is written.
		StepVerifier.create(this.handler.handle(exchange,
				new IllegalStateException("channel not registered to an event loop")))
			.verifyComplete();

		assertThat(exchange.getResponse().getStatusCode()).as("nothing answered, no 500 recorded").isNull();
		assertThat(exchange.getResponse().isCommitted()).isFalse();
	}

	@Test
	void aRequestOfAnotherServerCountsAsConnected() {
		assertThat(ProblemExceptionHandler.clientGone(new RequestOn("not a connection"))).isFalse();
	}

	private static ServerWebExchange exchangeOn(Object connection) {
		return new DefaultServerWebExchange(new RequestOn(connection), new MockServerHttpResponse(),
				new DefaultWebSessionManager(), ServerCodecConfigurer.create(), new AcceptHeaderLocaleContextResolver());
	}

	/** A POST to request-otp whose native request is {@code nativeRequest}, as Reactor Netty's is its connection. */
	private static final class RequestOn extends AbstractServerHttpRequest {

		private final Object nativeRequest;

		RequestOn(Object nativeRequest) {
			super(HttpMethod.POST, URI.create("http://127.0.0.1/api/auth/request-otp"), null, new HttpHeaders());
			this.nativeRequest = nativeRequest;
		}

		@Override
		protected MultiValueMap<String, HttpCookie> initCookies() {
			return new LinkedMultiValueMap<>();
		}

		@Override
		protected SslInfo initSslInfo() {
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

}
