package kz.cvety.otp.web;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

/**
 * An SMS provider's stand-in on loopback for the start-up warm-up: it answers every request {@code 200 {}}, so the
 * warm-up's sends run the same webhook sender, HTTP client and guards a customer's do, while no message ever leaves
 * the process. Listens on 127.0.0.1 on a port of its own until {@link #close()}, which also closes the pool of
 * connections senders reach it through.
 */
public final class WarmUpSmsSink implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(WarmUpSmsSink.class);

	private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

	private static final byte[] EMPTY_JSON = { '{', '}' };

	private final AtomicInteger received = new AtomicInteger();

	private final DisposableServer server;

	private final ConnectionProvider connections = ConnectionProvider.create("otp-warm-up-sms", 64);

	private WarmUpSmsSink() {
		// Its connections in a group of their own, so closing the sink closes them too, the HTTP client's idle ones
		// included.
		this.server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.channelGroup(new DefaultChannelGroup(GlobalEventExecutor.INSTANCE))
			.handle((request, response) -> request.receive().then(Mono.defer(() -> {
				this.received.incrementAndGet();
				return response.header(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
					.sendByteArray(Mono.just(EMPTY_JSON))
					.then();
			})))
			.bindNow();
	}

	/** Starts a sink listening on loopback. */
	public static WarmUpSmsSink start() {
		return new WarmUpSmsSink();
	}

	/** The webhook address senders post to. */
	public URI url() {
		return URI.create("http://127.0.0.1:" + this.server.port() + "/sms");
	}

	/** The connections a sender's HTTP client reaches the sink through, closed with it. */
	public ConnectionProvider connections() {
		return this.connections;
	}

	/** Messages received so far. */
	public int received() {
		return this.received.get();
	}

	/** Whether it stopped listening. */
	public boolean closed() {
		return this.server.isDisposed();
	}

	/** Stops listening and closes its connections; waits briefly for requests still being answered. */
	@Override
	public void close() {
		if (this.server.isDisposed()) {
			return;
		}
		try {
			this.server.disposeNow(CLOSE_WAIT);
		}
		catch (RuntimeException ex) {
			logger.debug("OTP warm-up SMS sink closed with connections still open: " + ex);
		}
		finally {
			this.connections.dispose();
		}
	}

}
