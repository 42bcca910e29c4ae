package kz.cvety.otp.testing;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The fault proxy itself, between Lettuce and a real Redis: each fault does what fault tests rely on.
 */
class TcpProxyIT {

	final String prefix = TestRedis.uniquePrefix();

	TcpProxy proxy;

	RedisClient client;

	StatefulRedisConnection<String, String> connection;

	RedisCommands<String, String> direct;

	StatefulRedisConnection<String, String> directConnection;

	@BeforeEach
	void connect() {
		URI redis = URI.create(TestRedis.url());
		this.proxy = TcpProxy.to(redis.getHost(), redis.getPort());
		this.client = RedisClient.create();
		RedisURI proxied = RedisURI.create("127.0.0.1", this.proxy.port());
		proxied.setTimeout(Duration.ofSeconds(2));
		this.connection = this.client.connect(proxied);
		this.directConnection = this.client.connect(RedisURI.create(TestRedis.url()));
		this.direct = this.directConnection.sync();
	}

	@AfterEach
	void close() {
		this.connection.close();
		this.directConnection.close();
		this.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		this.proxy.close();
	}

	@Test
	void passesCommandsThrough() {
		this.connection.sync().set(this.prefix + "k", "v");

		assertThat(this.direct.get(this.prefix + "k")).isEqualTo("v");
		assertThat(this.proxy.connectionsAccepted()).isEqualTo(1);
	}

	@Test
	void replyLatencyDelaysEveryReplyButKeepsTheirOrder() throws Exception {
		this.proxy.replyLatency(Duration.ofMillis(300));
		long started = System.nanoTime();
		RedisFuture<Long> first = this.connection.async().incr(this.prefix + "n");
		RedisFuture<Long> second = this.connection.async().incr(this.prefix + "n");

		assertThat(first.get(2, TimeUnit.SECONDS)).isEqualTo(1);
		assertThat(second.get(2, TimeUnit.SECONDS)).isEqualTo(2);
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(300));

		this.proxy.heal();
		long healed = System.nanoTime();
		assertThat(this.connection.sync().incr(this.prefix + "n")).isEqualTo(3);
		assertThat(Duration.ofNanos(System.nanoTime() - healed)).isLessThan(Duration.ofMillis(300));
	}

	@Test
	void blackHoleHoldsCommandsUntilHealedThenDeliversThemInOrder() throws Exception {
		this.connection.sync().ping();
		this.proxy.blackHole();

		RedisFuture<String> held = this.connection.async().set(this.prefix + "held", "v");
		await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> !held.isDone());
		assertThat(this.direct.get(this.prefix + "held")).isNull();

		this.proxy.heal();
		assertThat(held.get(2, TimeUnit.SECONDS)).isEqualTo("OK");
		assertThat(this.direct.get(this.prefix + "held")).isEqualTo("v");
	}

	@Test
	void blackHoleAcceptsNewConnectionsButNeverAnswers() {
		this.proxy.blackHole();
		RedisURI proxied = RedisURI.create("127.0.0.1", this.proxy.port());
		proxied.setTimeout(Duration.ofMillis(500));

		assertThatThrownBy(() -> this.client.connect(proxied)).isInstanceOf(Exception.class);
		assertThat(this.proxy.connectionsAccepted()).isEqualTo(2);
	}

	@Test
	void cutRepliesLetTheServerRunTheCommandButTheClientNeverHearsIt() {
		this.proxy.cutReplies(1.0);

		RedisFuture<Long> lost = this.connection.async().incr(this.prefix + "n");

		await().atMost(Duration.ofSeconds(2)).until(() -> this.proxy.cuts() >= 1);
		assertThat(this.direct.get(this.prefix + "n")).isNotNull();
		assertThat(lost.toCompletableFuture()).satisfiesAnyOf(reply -> assertThat(reply).isNotDone(),
				reply -> assertThat(reply).isCompletedExceptionally());
	}

	@Test
	void cutRequestsCloseTheConnectionBeforeTheServerSeesTheCommand() {
		this.proxy.cutRequests(1.0);

		this.connection.async().set(this.prefix + "never", "v");

		await().atMost(Duration.ofSeconds(2)).until(() -> this.proxy.cuts() >= 2);
		assertThat(this.direct.get(this.prefix + "never")).isNull();
	}

	@Test
	void cutConnectionsClosesEveryOpenConnection() {
		this.connection.sync().ping();

		assertThat(this.proxy.cutConnections()).isEqualTo(1);

		await().atMost(Duration.ofSeconds(5)).until(() -> this.proxy.connectionsAccepted() == 2);
		assertThat(this.connection.sync().ping()).isEqualTo("PONG");
	}

}
