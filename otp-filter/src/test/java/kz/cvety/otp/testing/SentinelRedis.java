package kz.cvety.otp.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import redis.embedded.RedisSentinel;
import redis.embedded.RedisServer;
import redis.embedded.core.RedisServerBuilder;

import static org.awaitility.Awaitility.await;

/**
 * A Redis Sentinel setup of real processes the test owns (the redis-server binary shipped in embedded-redis,
 * which also runs as a sentinel): a master, one replica and three sentinels (quorum two) that declare the master
 * down after one second of silence, so a test can kill the master and watch the failover.
 */
public final class SentinelRedis implements AutoCloseable {

	/** The master's name in the sentinels (spring.data.redis.sentinel.master). */
	public static final String MASTER_NAME = "cvety";

	/** How long the master must be silent before the sentinels call it down. */
	public static final Duration DOWN_AFTER = Duration.ofSeconds(1);

	private final RedisServer master;

	private final RedisServer replica;

	private final List<RedisSentinel> sentinels = new ArrayList<>();

	private final List<Integer> sentinelPorts = new ArrayList<>();

	private final RedisClient client = RedisClient.create();

	private final int masterPort;

	private SentinelRedis() throws IOException {
		this.masterPort = RedisProcess.freePort();
		int replicaPort = RedisProcess.freePort();
		// Killed, not shut down, when the test stops it: a crash, with no chance to hand over.
		this.master = server(this.masterPort).onShutdownForceStop(true).build();
		this.replica = server(replicaPort).slaveOf("127.0.0.1", this.masterPort).build();
	}

	private void startProcesses() throws IOException {
		this.master.start();
		this.replica.start();
		for (int i = 0; i < 3; i++) {
			int port = RedisProcess.freePort();
			RedisSentinel sentinel = RedisSentinel.newRedisSentinel()
				.port(port)
				.masterName(MASTER_NAME)
				.masterPort(this.masterPort)
				.quorumSize(2)
				.downAfterMilliseconds(DOWN_AFTER.toMillis())
				.failOverTimeout(3000)
				.parallelSyncs(1)
				.build();
			this.sentinels.add(sentinel);
			this.sentinelPorts.add(port);
			sentinel.start();
		}
	}

	/**
	 * Starts master, replica and sentinels, and returns once the replica is in sync and every sentinel knows it
	 * (no failover is possible before).
	 */
	public static SentinelRedis start() {
		IOException last = null;
		// The free ports are found first and bound by the new processes a moment later; another process can take
		// one in between ("Address already in use"), so a setup that does not start is torn down and tried again
		// on new ports.
		for (int attempt = 0; attempt < 3; attempt++) {
			SentinelRedis setup = null;
			try {
				setup = new SentinelRedis();
				setup.startProcesses();
				setup.awaitReady();
				return setup;
			}
			catch (IOException ex) {
				last = ex;
				if (setup != null) {
					setup.close();
				}
			}
		}
		throw new UncheckedIOException("Could not start the Sentinel setup", last);
	}

	/** The sentinels as {@code host:port,...} (spring.data.redis.sentinel.nodes). */
	public String sentinelNodes() {
		return this.sentinelPorts.stream().map(port -> "127.0.0.1:" + port).collect(Collectors.joining(","));
	}

	/** The master's address as the first sentinel reports it now, {@code host:port}. */
	public String currentMaster() {
		try (StatefulRedisSentinelConnection<String, String> sentinel = this.client
			.connectSentinel(RedisURI.create("127.0.0.1", this.sentinelPorts.get(0)))) {
			InetSocketAddress address = (InetSocketAddress) sentinel.sync().getMasterAddrByName(MASTER_NAME);
			return address.getHostString() + ":" + address.getPort();
		}
	}

	/** A plain connection to the server at {@code hostAndPort}, e.g. {@link #currentMaster()}. */
	public StatefulRedisConnection<String, String> connect(String hostAndPort) {
		return this.client.connect(RedisURI.create("redis://" + hostAndPort));
	}

	/** Kills the master process (SIGKILL): what was not replicated yet is lost. */
	public void killMaster() {
		try {
			this.master.stop();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	@Override
	public void close() {
		for (RedisSentinel sentinel : this.sentinels) {
			stopQuietly(sentinel::stop);
		}
		stopQuietly(this.replica::stop);
		stopQuietly(this.master::stop);
		this.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
	}

	private void awaitReady() {
		String replicaAddress = "127.0.0.1:" + this.replica.ports().get(0);
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
			try (StatefulRedisConnection<String, String> connection = connect(replicaAddress)) {
				return connection.sync().info("replication").contains("master_link_status:up");
			}
		});
		for (int port : this.sentinelPorts) {
			await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
				try (StatefulRedisSentinelConnection<String, String> sentinel = this.client
					.connectSentinel(RedisURI.create("127.0.0.1", port))) {
					List<Map<String, String>> replicas = sentinel.sync().replicas(MASTER_NAME);
					return replicas.stream().anyMatch(known -> String.valueOf(this.replica.ports().get(0)).equals(known.get("port")));
				}
			});
		}
	}

	private static RedisServerBuilder server(int port) {
		return RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"").setting("appendonly no");
	}

	private static void stopQuietly(IoAction action) {
		try {
			action.run();
		}
		catch (IOException ex) {
			// Already gone.
		}
	}

	@FunctionalInterface
	private interface IoAction {

		void run() throws IOException;

	}

}
