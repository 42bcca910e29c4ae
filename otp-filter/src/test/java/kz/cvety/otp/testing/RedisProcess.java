package kz.cvety.otp.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

import redis.embedded.RedisServer;

/**
 * A real redis-server process owned by a test (the binary shipped in embedded-redis), which the test may stop
 * and start again on the same port to simulate an outage.
 */
public final class RedisProcess implements AutoCloseable {

	private final int port;

	private RedisServer server;

	private RedisProcess(int port) {
		this.port = port;
	}

	/** Starts a fresh redis-server on a free loopback port. */
	public static RedisProcess start() {
		IOException last = null;
		for (int attempt = 0; attempt < 3; attempt++) {
			try {
				RedisProcess process = new RedisProcess(freePort());
				process.startServer();
				return process;
			}
			catch (IOException ex) {
				last = ex;
			}
		}
		throw new UncheckedIOException("Could not start an embedded redis-server", last);
	}

	public int port() {
		return this.port;
	}

	public String url() {
		return "redis://127.0.0.1:" + this.port;
	}

	/** Stops the server; its data is gone, as after a crash without persistence. */
	public synchronized void stop() {
		try {
			if (this.server != null && this.server.isActive()) {
				this.server.stop();
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Starts the server again on the same port, empty. */
	public synchronized void restart() {
		try {
			startServer();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	@Override
	public void close() {
		stop();
	}

	private void startServer() throws IOException {
		this.server = RedisServer.newRedisServer()
			.port(this.port)
			.bind("127.0.0.1")
			.setting("save \"\"")
			.setting("appendonly no")
			.build();
		this.server.start();
	}

	static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

}
