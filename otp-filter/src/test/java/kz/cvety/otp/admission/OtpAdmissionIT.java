package kz.cvety.otp.admission;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.bucket4j.TimeMeter;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.RedisClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import kz.cvety.otp.client.ClientIpResolver.ClientIp;
import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;
import kz.cvety.otp.ratelimit.BlockedKeys;
import kz.cvety.otp.ratelimit.BucketRateLimiter;
import kz.cvety.otp.ratelimit.Limit;
import kz.cvety.otp.ratelimit.RateLimitDecision;
import kz.cvety.otp.redis.LettuceBuckets;
import kz.cvety.otp.resilience.CircuitRetryAfter;
import kz.cvety.otp.resilience.RedisGuard;
import kz.cvety.otp.store.OtpHasher;
import kz.cvety.otp.store.OtpKeys;
import kz.cvety.otp.store.OtpStore;
import kz.cvety.otp.testing.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link OtpAdmission} on real Redis: which limits a request asks, in which order, and which tokens a refusal or
 * a settlement leaves spent.
 */
class OtpAdmissionIT {

	static final Duration TIMEOUT = Duration.ofSeconds(2);

	static RedisClient client;

	static LettuceBuckets buckets;

	static RedisGuard guard;

	final List<RateLimitDecision> decided = new CopyOnWriteArrayList<>();

	OtpKeys keys;

	OtpStore store;

	OtpAdmission admission;

	@BeforeAll
	static void connect() {
		client = RedisClient.create(TestRedis.url());
		buckets = new LettuceBuckets(client, TimeMeter.SYSTEM_MILLISECONDS, TIMEOUT);
		guard = new RedisGuard(new CircuitRetryAfter(CircuitBreaker.ofDefaults("admission-it"), Clock.systemUTC()),
				TIMEOUT);
	}

	@AfterAll
	static void disconnect() {
		buckets.close();
		client.shutdown();
	}

	@BeforeEach
	void freshKeys() {
		this.keys = new OtpKeys(TestRedis.uniquePrefix(), new OtpHasher("admission-it-hash-secret-0123456789abcdef"));
		this.store = new OtpStore(buckets.scriptRunner(), this.keys, guard, OtpStore.Scripts.fromResources());
		BucketRateLimiter limiter = new BucketRateLimiter(buckets, new BlockedKeys(1000, Ticker.systemTicker()), guard);
		this.admission = new OtpAdmission(limiter, this.keys, this.store, (decision, dryRun) -> this.decided.add(decision));
	}

	@Test
	void aSendRefusedAtItsRangeNeverTakesATokenOfTheAddressOrTheFleetBudget() {
		OtpLimits policies = policies(properties -> {
			properties.setSendPerPrefix(List.of(Limit.valueOf("1/1h")));
			properties.setSendPerIp(List.of(Limit.valueOf("5/1h")));
			properties.setSendGlobal(List.of(Limit.valueOf("5/1h")));
		});
		StepVerifier.create(this.admission.admitSend(policies, "+77015550001", client("203.0.113.1"))).expectNextCount(1).verifyComplete();
		this.decided.clear();

		StepVerifier.create(this.admission.admitSend(policies, "+77015550002", client("203.0.113.2")))
			.expectErrorSatisfies(error -> assertThat(((ProblemException) error).limit()).isEqualTo("send-per-prefix"))
			.verify();

		assertThat(this.decided).extracting(RateLimitDecision::limitName).containsExactly("send-per-phone", "send-per-prefix");
		// The wider limits were never asked: the address has spent one token (the next send's) and the fleet two
		// (the first send's and the next one's).
		StepVerifier.create(this.admission.admitSend(policies, "+77025550002", client("203.0.113.2")))
			.assertNext(admitted -> assertThat(admitted.decisions()).extracting(RateLimitDecision::remaining)
				.containsExactly(9L, 0L, 4L, 3L))
			.verifyComplete();
	}

	@Test
	void anAdmittedSendAsksEveryLimitNarrowToWide() {
		StepVerifier.create(this.admission.admitSend(policies(properties -> {
		}), "+77015550003", client("203.0.113.3")))
			.assertNext(admitted -> assertThat(admitted.decisions()).extracting(RateLimitDecision::limitName)
				.containsExactly("send-per-phone", "send-per-prefix", "send-per-ip", "send-global"))
			.verifyComplete();
	}

	@Test
	void aGuessRefusedByTheAddressBudgetGivesThePhoneItsTokenBack() {
		OtpLimits policies = policies(properties -> {
			properties.setVerifyFailuresPerPhone(List.of(Limit.valueOf("2/1h")));
			properties.setVerifyFailuresPerIp(List.of(Limit.valueOf("1/1h")));
		});
		String phone = "+77015550004";
		issue(phone);
		StepVerifier.create(this.admission.admitVerify(policies, phone, client("203.0.113.4"), 3)
			.flatMap(admitted -> admitted.settle(VerifyOutcome.INVALID))).verifyComplete();
		this.decided.clear();

		StepVerifier.create(this.admission.admitVerify(policies, phone, client("203.0.113.4"), 3))
			.expectErrorSatisfies(error -> {
				assertThat(((ProblemException) error).code()).isEqualTo(ProblemCode.RATE_LIMITED);
				assertThat(((ProblemException) error).limit()).isEqualTo("verify-failures-per-ip");
			})
			.verify();

		// The phone had one token left; it took it and got it back, so another address may still use it.
		StepVerifier.create(this.admission.admitVerify(policies, phone, client("203.0.113.5"), 3))
			.assertNext(admitted -> assertThat(admitted.decisions().get(0).remaining()).isZero())
			.verifyComplete();
	}

	@Test
	void aRightCodeGivesBothBudgetsTheirTokensBackAndAWrongOneKeepsThemSpent() {
		OtpLimits policies = policies(properties -> {
			properties.setVerifyFailuresPerPhone(List.of(Limit.valueOf("5/1h")));
			properties.setVerifyFailuresPerIp(List.of(Limit.valueOf("5/1h")));
		});
		String phone = "+77015550006";
		issue(phone);

		StepVerifier.create(this.admission.admitVerify(policies, phone, client("203.0.113.6"), 3)
			.flatMap(admitted -> admitted.settle(VerifyOutcome.VERIFIED))).verifyComplete();
		StepVerifier.create(this.admission.admitVerify(policies, phone, client("203.0.113.6"), 3)
			.flatMap(admitted -> admitted.settle(VerifyOutcome.INVALID))).verifyComplete();
		StepVerifier.create(this.admission.admitVerify(policies, phone, client("203.0.113.6"), 3))
			.assertNext(admitted -> assertThat(admitted.decisions()).extracting(RateLimitDecision::remaining)
				.containsExactly(3L, 3L))
			.verifyComplete();
	}

	@Test
	void guessesAtAMissingCodeAskNoBudget() {
		StepVerifier.create(this.admission.admitVerify(policies(properties -> {
		}), "+77015550007", client("203.0.113.7"), 3))
			.expectErrorSatisfies(error -> assertThat(((ProblemException) error).code()).isEqualTo(ProblemCode.OTP_EXPIRED))
			.verify();

		assertThat(this.decided).isEmpty();
	}

	private void issue(String phone) {
		StepVerifier.create(this.store.issue(phone, "hash", 1, Duration.ofMinutes(5))).verifyComplete();
	}

	private static OtpLimits policies(Consumer<OtpLimitsProperties> settings) {
		OtpLimitsProperties properties = new OtpLimitsProperties();
		settings.accept(properties);
		return OtpLimits.from(properties, Duration.ZERO);
	}

	private static ClientIp client(String address) {
		return new ClientIp(address, address);
	}

}
