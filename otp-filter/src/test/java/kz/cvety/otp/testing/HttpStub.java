package kz.cvety.otp.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A real HTTP server on a loopback port that records every request and answers as the test says: the
 * backend and the SMS provider in integration tests.
 */
public final class HttpStub implements AutoCloseable {

	private final DisposableServer server;

	private final List<Recorded> requests = new CopyOnWriteArrayList<>();

	private final Set<Channel> connections = ConcurrentHashMap.newKeySet();

	private volatile Function<Recorded, Reply> responder = request -> Reply.json(200, "{\"ok\":true}");

	private HttpStub(int port) {
		this.server = HttpServer.create()
			.host("127.0.0.1")
			.port(port)
			.doOnChannelInit((observer, channel, address) -> {
				this.connections.add(channel);
				channel.closeFuture().addListener(closed -> this.connections.remove(channel));
			})
			.handle((request, response) -> request.receive()
				.aggregate()
				.asString(StandardCharsets.UTF_8)
				.defaultIfEmpty("")
				.flatMap(body -> {
					Recorded recorded = new Recorded(request.method().name(), request.uri(),
							request.requestHeaders().copy(), body);
					this.requests.add(recorded);
					Reply reply = this.responder.apply(recorded);
					if (reply.closeConnection()) {
						return Mono.<Void>fromRunnable(() -> request.withConnection(c -> c.dispose()));
					}
					Mono<Void> send = Mono.defer(() -> {
						response.status(HttpResponseStatus.valueOf(reply.status()));
						reply.headers().forEach(response::header);
						return response.sendString(Mono.just(reply.body())).then();
					});
					return reply.delay().isZero() ? send : Mono.delay(reply.delay()).then(send);
				}))
			.bindNow();
	}

	public static HttpStub start() {
		return new HttpStub(0);
	}

	/** Starts on a given port, e.g. to bring a "crashed" server back where clients expect it. */
	public static HttpStub start(int port) {
		return new HttpStub(port);
	}

	public int port() {
		return this.server.port();
	}

	public String url() {
		return "http://127.0.0.1:" + port();
	}

	/** Sets how the stub answers from now on. */
	public HttpStub respond(Function<Recorded, Reply> responder) {
		this.responder = responder;
		return this;
	}

	public List<Recorded> requests() {
		return List.copyOf(this.requests);
	}

	public void reset() {
		this.requests.clear();
	}

	/**
	 * Stops the server and closes its open connections too, so clients with pooled keep-alive connections find
	 * the port closed, as after a crash.
	 */
	@Override
	public void close() {
		this.server.disposeNow();
		this.connections.forEach(Channel::close);
	}

	/** One request as the stub received it. */
	public record Recorded(String method, String uri, HttpHeaders headers, String body) {
	}

	/** How the stub answers one request. */
	public record Reply(int status, Map<String, String> headers, String body, Duration delay, boolean closeConnection) {

		public static Reply json(int status, String body) {
			return new Reply(status, Map.of("Content-Type", "application/json"), body, Duration.ZERO, false);
		}

		/** Answers with a body that claims to be JSON but is not, as a broken provider or proxy does. */
		public static Reply garbage(int status) {
			return new Reply(status, Map.of("Content-Type", "application/json"), "<html>\u0000 not json {{{ \ufffd",
					Duration.ZERO, false);
		}

		/** Closes the connection without answering, as a crashing server does. */
		public static Reply hangUp() {
			return new Reply(0, Map.of(), "", Duration.ZERO, true);
		}

		public Reply delayedBy(Duration delay) {
			return new Reply(this.status, this.headers, this.body, delay, this.closeConnection);
		}

		public Reply withHeader(String name, String value) {
			Map<String, String> all = new LinkedHashMap<>(this.headers);
			all.put(name, value);
			return new Reply(this.status, all, this.body, this.delay, this.closeConnection);
		}

	}

}
