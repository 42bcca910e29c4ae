package kz.cvety.otp.ratelimit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BlockedKeysTest {

	private final AtomicLong now = new AtomicLong(1_000_000_000L);

	private final BlockedKeys blocked = new BlockedKeys(1000, this.now::get);

	@Test
	void refusesFromMemoryUntilATokenIsBack() {
		this.blocked.remember("k", refused(Duration.ofSeconds(6), Duration.ofSeconds(60)));

		RateLimitDecision cached = this.blocked.refusal("k");
		assertThat(cached).isNotNull();
		assertThat(cached.allowed()).isFalse();
		assertThat(cached.cached()).isTrue();
		assertThat(cached.limitName()).isEqualTo("send-per-phone");
		assertThat(cached.retryAfter()).isEqualTo(Duration.ofSeconds(6));

		this.now.addAndGet(Duration.ofSeconds(4).toNanos());
		assertThat(this.blocked.refusal("k").retryAfter()).isEqualTo(Duration.ofSeconds(2));
		assertThat(this.blocked.refusal("k").reset()).isEqualTo(Duration.ofSeconds(56));

		this.now.addAndGet(Duration.ofSeconds(2).toNanos());
		assertThat(this.blocked.refusal("k")).as("the token is back: ask Redis again").isNull();
	}

	@Test
	void neverAnswersForKeysItWasNotTold() {
		this.blocked.remember("a", refused(Duration.ofSeconds(6), Duration.ofSeconds(60)));
		assertThat(this.blocked.refusal("b")).isNull();
	}

	@Test
	void unblockAndClearForget() {
		this.blocked.remember("a", refused(Duration.ofSeconds(6), Duration.ofSeconds(60)));
		this.blocked.remember("b", refused(Duration.ofSeconds(6), Duration.ofSeconds(60)));
		this.blocked.forget("a");
		assertThat(this.blocked.refusal("a")).isNull();
		assertThat(this.blocked.refusal("b")).isNotNull();
		this.blocked.clear();
		assertThat(this.blocked.refusal("b")).isNull();
	}

	@Test
	void staysBoundedUnderAFloodOfKeys() {
		BlockedKeys small = new BlockedKeys(100, this.now::get);
		for (int i = 0; i < 10_000; i++) {
			small.remember("key-" + i, refused(Duration.ofMinutes(1), Duration.ofMinutes(1)));
		}
		assertThat(small.size()).isLessThanOrEqualTo(100);
	}

	private static RateLimitDecision refused(Duration retryAfter, Duration reset) {
		return new RateLimitDecision("send-per-phone", false, 10, 0, retryAfter, reset, false);
	}

}
