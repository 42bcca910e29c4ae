package kz.cvety.edge.limits;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.embedded.RedisShardedCluster;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi;
import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.edge.support.SmsSink;
import kz.cvety.otp.store.OtpHasher;
import kz.cvety.otp.store.OtpKeys;
import kz.cvety.otp.testing.TestRedis;

import static kz.cvety.edge.support.OtpApi.concurrently;
import static kz.cvety.edge.support.OtpApi.newPhone;
import static kz.cvety.edge.support.OtpApi.requestOtp;
import static kz.cvety.edge.support.OtpApi.requestOtpAsync;
import static kz.cvety.edge.support.OtpApi.verify;
import static kz.cvety.edge.support.OtpApi.verifyAsync;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole OTP flow and its limits on a real three-master Redis Cluster (embedded, no Docker), through
 * {@code spring.data.redis.cluster.nodes}: the same code path as standalone, and no script spans two slots.
 */
@ExtendWith(OutputCaptureExtension.class)
class LimitRedisClusterIT {

	// Every node must agree all slots are served before the gateway starts, or its first steps meet CLUSTERDOWN.
	private static void awaitClusterOk(RedisShardedCluster cluster) {
		for (int port : cluster.serverPorts()) {
			RedisClient client = RedisClient.create("redis://127.0.0.1:" + port);
			try (StatefulRedisConnection<String, String> connection = client.connect()) {
				await().atMost(Duration.ofSeconds(30))
					.pollInterval(Duration.ofMillis(100))
					.until(() -> connection.sync().clusterInfo().contains("cluster_state:ok"));
			}
			finally {
				client.shutdown();
			}
		}
	}

	@Test
	void requestVerifyAndLimitsWorkOnARedisClusterWithoutCrossSlotErrors(CapturedOutput output) throws IOException {
		OtpApi.warmUpJvm();
		// Free ports must be chosen before the shards are declared, or they take 6379 and up.
		RedisShardedCluster cluster = RedisShardedCluster.newRedisCluster()
			.ephemeral()
			.shard("a", 0)
			.shard("b", 0)
			.shard("c", 0)
			.build();
		cluster.start();
		awaitClusterOk(cluster);
		try (SmsSink sms = new SmsSink()) {
			String nodes = cluster.serverPorts().stream().map(port -> "127.0.0.1:" + port).collect(Collectors.joining(","));
			String prefix = TestRedis.uniquePrefix();
			Map<String, String> settings = GatewayInstance.defaults(sms.url(), prefix);
			settings.remove("spring.data.redis.url");
			settings.put("spring.data.redis.cluster.nodes", nodes);
			try (GatewayInstance gateway = GatewayInstance.start(settings)) {
				OtpApi.warmUp(gateway.url(), 0, Map.of());
				List<String> phones = IntStream.range(0, 6).mapToObj(i -> newPhone()).toList();

				for (String phone : phones) {
					assertThat(requestOtp(gateway.url(), phone).status()).isEqualTo(200);
					String code = sms.lastCode(phone);
					assertThatProblem(verify(gateway.url(), phone, OtpApi.wrongCode(code))).hasStatus(401)
						.hasCode("otp_invalid");
					assertThat(verify(gateway.url(), phone, code).status()).isEqualTo(200);
				}

				String burst = newPhone();
				List<Answer> sends = concurrently(20, i -> requestOtpAsync(gateway.url(), burst, Map.of()));
				assertThat(sends).filteredOn(answer -> answer.status() == 200).hasSize(10);
				assertThat(sends).filteredOn(answer -> answer.status() == 429).hasSize(10)
					.allSatisfy(answer -> assertThatProblem(answer).isRateLimitedBy("send-per-phone"));

				String code = sms.lastCode(burst);
				List<Answer> guesses = concurrently(20, i -> verifyAsync(gateway.url(), burst, OtpApi.wrongCode(code)));
				assertThat(guesses).filteredOn(answer -> answer.status() == 401).hasSizeLessThanOrEqualTo(3);
				assertThat(guesses).allSatisfy(answer -> assertThat(answer.status()).isIn(401, 429));

				// The keys really are spread over the cluster's masters: phones land on different slots.
				OtpKeys keys = new OtpKeys(prefix, new OtpHasher(GatewayInstance.HASH_SECRET));
				assertThat(phones.stream().map(phone -> SlotHash.getSlot(keys.code(phone))).distinct()).hasSizeGreaterThan(1);
				assertThat(codeKeysStored(nodes, keys, phones)).isEqualTo(0);
			}
		}
		finally {
			cluster.stop();
		}
		assertThat(output).doesNotContain("CROSSSLOT").doesNotContain("MOVED").doesNotContain("store_unavailable");
	}

	/** How many of the phones still have a code key: none, each was verified. */
	static long codeKeysStored(String nodes, OtpKeys keys, List<String> phones) {
		List<RedisURI> uris = List.of(nodes.split(",")).stream()
			.map(node -> RedisURI.create("redis://" + node))
			.toList();
		RedisClusterClient client = RedisClusterClient.create(uris);
		try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
			return phones.stream().filter(phone -> connection.sync().exists(keys.code(phone)) > 0).count();
		}
		finally {
			client.shutdown();
		}
	}

}
