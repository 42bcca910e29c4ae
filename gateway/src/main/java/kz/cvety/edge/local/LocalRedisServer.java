package kz.cvety.edge.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import redis.embedded.RedisServer;

/**
 * A real redis-server process (the binary shipped in {@code com.github.codemonstur:embedded-redis}) on a free
 * loopback port, for the {@code local} profile: one command runs the gateway on a machine with nothing but a
 * JDK. Nothing is persisted; the process stops with the application context.
 */
public final class LocalRedisServer implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(LocalRedisServer.class);

	private final RedisServer server;

	private final int port;

	private LocalRedisServer(RedisServer server, int port) {
		this.server = server;
		this.port = port;
	}

	/** Starts redis-server on a free port of 127.0.0.1. */
	public static LocalRedisServer start() {
		IOException last = null;
		// A free port can be taken between probing and binding; a second try on a new port settles that.
		for (int attempt = 0; attempt < 3; attempt++) {
			try {
				int port = freePort();
				RedisServer server = RedisServer.newRedisServer()
					.port(port)
					.bind("127.0.0.1")
					.setting("save \"\"")
					.setting("appendonly no")
					.build();
				server.start();
				logger.info("Started embedded redis-server on 127.0.0.1:" + port + " (local profile; data is not kept)");
				return new LocalRedisServer(server, port);
			}
			catch (IOException ex) {
				last = ex;
			}
		}
		throw new UncheckedIOException("Could not start the embedded redis-server", last);
	}

	public int port() {
		return this.port;
	}

	@Override
	public void close() throws IOException {
		if (this.server.isActive()) {
			this.server.stop();
			logger.info("Stopped embedded redis-server on port " + this.port);
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

}
