package kz.cvety.otp.web;

import java.time.Duration;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.netty.Connection;
import reactor.test.StepVerifier;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.adapter.DefaultServerWebExchange;
import org.springframework.web.server.i18n.AcceptHeaderLocaleContextResolver;
import org.springframework.web.server.session.DefaultWebSessionManager;

import kz.cvety.otp.testing.NativeServerRequest;

import static org.assertj.core.api.Assertions.assertThat;

/** What the edge answers for an error it did not expect, with the client still there and after it has gone. */
@ExtendWith(OutputCaptureExtension.class)
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
		ServerWebExchange exchange = exchangeOnAClosedConnection();

		// What Netty throws when the answer of a request that ran on after its client left is written.
		StepVerifier.create(this.handler.handle(exchange,
				new IllegalStateException("channel not registered to an event loop")))
			.verifyComplete();

		assertThat(exchange.getResponse().getStatusCode()).as("nothing answered, no 500 recorded").isNull();
		assertThat(exchange.getResponse().isCommitted()).isFalse();
	}

	@Test
	void aFailureOfTheEdgeItselfIsLoggedEvenWhenTheClientHasGone(CapturedOutput output) {
		ServerWebExchange exchange = exchangeOnAClosedConnection();

		StepVerifier.create(this.handler.handle(exchange, new NullPointerException("a bug of the edge's own")))
			.verifyComplete();

		assertThat(exchange.getResponse().isCommitted()).as("nobody to answer").isFalse();
		assertThat(output).contains("ERROR").contains("Unexpected error for").contains("a bug of the edge's own");
	}

	@Test
	void aWriteToTheClosedConnectionIsNoErrorOfTheEdge(CapturedOutput output) {
		ServerWebExchange exchange = exchangeOnAClosedConnection();

		StepVerifier.create(this.handler.handle(exchange,
				new IllegalStateException("channel not registered to an event loop")))
			.verifyComplete();

		assertThat(output).doesNotContain("ERROR").doesNotContain("WARN");
	}

	@Test
	void aRequestOfAnotherServerCountsAsConnected() {
		assertThat(ProblemExceptionHandler.clientGone(new NativeServerRequest("not a connection", new HttpHeaders())))
			.isFalse();
	}

	/** An exchange whose client has gone: its Netty channel is closed. */
	private static ServerWebExchange exchangeOnAClosedConnection() {
		EmbeddedChannel channel = new EmbeddedChannel();
		ServerWebExchange exchange = exchangeOn(Connection.from(channel));
		channel.close();
		return exchange;
	}

	private static ServerWebExchange exchangeOn(Object connection) {
		return new DefaultServerWebExchange(new NativeServerRequest(connection, new HttpHeaders()),
				new MockServerHttpResponse(), new DefaultWebSessionManager(), ServerCodecConfigurer.create(),
				new AcceptHeaderLocaleContextResolver());
	}

}
