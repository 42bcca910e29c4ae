package kz.cvety.edge.hostile;

import java.util.LinkedHashMap;
import java.util.Map;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.RedisContents;
import kz.cvety.edge.support.SmsSink;
import kz.cvety.otp.store.OtpHasher;
import kz.cvety.otp.store.OtpKeys;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Watches what a hostile request could change: every Redis key under the gateway's prefix (value and TTL),
 * the SMS the provider received, and the attempts of a control phone's live code. A snapshot is taken once;
 * after each request nothing may differ, except keys that expired by their own TTL.
 */
final class StateWitness implements AutoCloseable {

	private final RedisContents redis = RedisContents.connect();

	private final String prefix;

	private final SmsSink sms;

	private final String controlCodeKey;

	private Map<String, String> values = Map.of();

	private Map<String, Long> ttls = Map.of();

	private long takenAtNanos;

	private int smsCount;

	StateWitness(GatewayInstance gateway, SmsSink sms, String controlPhone) {
		this.prefix = gateway.keyPrefix();
		this.sms = sms;
		this.controlCodeKey = new OtpKeys(this.prefix, new OtpHasher(GatewayInstance.HASH_SECRET)).code(controlPhone);
	}

	/** Records the state every later {@link #assertUnchanged} compares with; the control code must be unused. */
	void snapshot() {
		this.values = this.redis.dump(this.prefix);
		Map<String, Long> ttls = new LinkedHashMap<>();
		this.values.keySet().forEach(key -> ttls.put(key, this.redis.pttl(key)));
		this.ttls = ttls;
		this.takenAtNanos = System.nanoTime();
		this.smsCount = this.sms.count();
		assertThat(this.values.get(this.controlCodeKey)).as("the control phone's live code, unused")
			.isNotNull()
			.contains("n=0\n");
	}

	/** Whether {@link #assertUnchanged} would pass. */
	boolean isUnchanged() {
		try {
			assertUnchanged("nothing");
			return true;
		}
		catch (AssertionError ex) {
			return false;
		}
	}

	/** Nothing in Redis was created, modified or given a longer life; no SMS went out. */
	void assertUnchanged(Object input) {
		Map<String, String> now = this.redis.dump(this.prefix);
		long elapsedMillis = (System.nanoTime() - this.takenAtNanos) / 1_000_000;
		assertThat(now.keySet()).as("Redis keys after %s", input).isSubsetOf(this.values.keySet());
		for (Map.Entry<String, String> before : this.values.entrySet()) {
			String key = before.getKey();
			long ttlBefore = this.ttls.get(key);
			if (!now.containsKey(key)) {
				assertThat(ttlBefore).as("%s vanished before its TTL ran out, after %s", key, input)
					.isBetween(0L, elapsedMillis + 1000);
				continue;
			}
			assertThat(now.get(key)).as("value of %s after %s", key, input).isEqualTo(before.getValue());
			long ttlNow = this.redis.pttl(key);
			if (ttlBefore == -1) {
				assertThat(ttlNow).as("TTL of %s after %s", key, input).isEqualTo(-1);
			}
			else if (ttlNow >= 0) {
				assertThat(ttlNow).as("TTL of %s after %s (not extended)", key, input).isLessThanOrEqualTo(ttlBefore);
			}
		}
		assertThat(this.sms.count()).as("SMS sent after %s", input).isEqualTo(this.smsCount);
	}

	@Override
	public void close() {
		this.redis.close();
	}

}
