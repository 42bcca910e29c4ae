package kz.cvety.otp.admission;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.bucket4j.TimeMeter;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.RedisClient;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import kz.cvety.otp.client.ClientIpResolver.ClientIp;
import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;
import kz.cvety.otp.ratelimit.BlockedKeys;
import kz.cvety.otp.ratelimit.BucketRateLimiter;
import kz.cvety.otp.ratelimit.Limit;
import kz.cvety.otp.ratelimit.NamedLimit;
import kz.cvety.otp.ratelimit.RateLimitDecision;
import kz.cvety.otp.ratelimit.Refill;
import kz.cvety.otp.redis.LettuceBuckets;
import kz.cvety.otp.resilience.CircuitRetryAfter;
import kz.cvety.otp.resilience.RedisGuard;
import kz.cvety.otp.store.OtpHasher;
import kz.cvety.otp.store.OtpKeys;
import kz.cvety.otp.store.OtpStore;
import kz.cvety.otp.testing.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
		this.admission = admission(guard, this.store, (decision, dryRun) -> this.decided.add(decision));
	}

	/** An admission on this test's keys whose buckets go through {@code steps}. */
	OtpAdmission admission(RedisGuard steps, OtpStore store, OtpAdmission.AdmissionListener listener) {
		BucketRateLimiter limiter = new BucketRateLimiter(buckets, new BlockedKeys(1000, Ticker.systemTicker()), steps);
		return new OtpAdmission(limiter, this.keys, store, listener);
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
	void aRefusalStaysTheAnswerWhenGivingBackTheTokensTakenBeforeItFails() {
		// Redis goes away between the range's refusal and the refund of the phone's token taken before it.
		CircuitBreaker breaker = CircuitBreaker.ofDefaults("refund-fails-it");
		RedisGuard failing = new RedisGuard(new CircuitRetryAfter(breaker, Clock.systemUTC()), TIMEOUT);
		OtpStore store = new OtpStore(buckets.scriptRunner(), this.keys, failing, OtpStore.Scripts.fromResources());
		OtpAdmission refusing = admission(failing, store, (decision, dryRun) -> {
			if (!decision.allowed()) {
				breaker.transitionToForcedOpenState();
			}
		});
		OtpLimits policies = policies(properties -> properties.setSendPerPrefix(List.of(Limit.valueOf("1/1h"))));
		StepVerifier.create(refusing.admitSend(policies, "+77015550001", client("203.0.113.1")))
			.expectNextCount(1)
			.verifyComplete();

		StepVerifier.create(refusing.admitSend(policies, "+77015550002", client("203.0.113.2")))
			.expectErrorSatisfies(error -> assertThat(error).isInstanceOfSatisfying(ProblemException.class, refused -> {
				assertThat(refused.code()).isEqualTo(ProblemCode.RATE_LIMITED);
				assertThat(refused.limit()).isEqualTo("send-per-prefix");
				assertThat(refused.retryAfter()).isGreaterThan(Duration.ofMinutes(59));
			}))
			.verify(Duration.ofSeconds(5));
		assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.FORCED_OPEN);
	}

	@Test
	void aBurstForOnePhoneGetsExactlyItsLimitAndTouchesItsRangeOnlyForTheSendsItAdmits() {
		OtpLimits policies = policies(properties -> {
			properties.setSendPerPhone(List.of(Limit.valueOf("10/1m")));
			properties.setSendPerPrefix(List.of(Limit.valueOf("30/1h")));
		});
		for (int burst = 1; burst <= 5; burst++) {
			this.decided.clear();
			String phone = "+7701" + burst + "55" + "0100";
			ClientIp from = client("203.0.113." + (10 + burst));
			List<String> answers = Flux.range(0, 60)
				.flatMap(i -> this.admission.admitSend(policies, phone, from)
					.map(admitted -> "admitted")
					.onErrorResume(ProblemException.class,
							refused -> Mono.just((refused.limit() != null) ? refused.limit() : refused.code().name())),
						60)
				.collectList()
				.block(Duration.ofSeconds(30));

			assertThat(answers).as("burst %d: %s", burst, answers).filteredOn("admitted"::equals).hasSize(10);
			assertThat(answers).as("burst %d", burst).filteredOn("send-per-phone"::equals).hasSize(50);
			assertThat(this.decided).as("the range asked for the phone's admitted sends only")
				.filteredOn(decision -> decision.limitName().equals("send-per-prefix"))
				.hasSize(10)
				.allMatch(RateLimitDecision::allowed);
		}
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

	@Test
	void aPhaseWhoseOneBucketNeverAnswersFailsAtTheDeadlineAndGivesTheOtherBucketsTokenBack() {
		Duration deadline = Duration.ofMillis(500);
		OtpLimits policies = policies(properties -> {
		});
		String phone = "+77015550009";
		String range = this.keys.sendPerPrefix(policies.rangeOf(phone));
		List<String> steps = new CopyOnWriteArrayList<>();
		try (LossyRedis lossy = new LossyRedis(range)) {
			RedisGuard phases = new RedisGuard(
					new CircuitRetryAfter(CircuitBreaker.ofDefaults("admission-it-lossy"), Clock.systemUTC()), deadline);
			phases.observeWith((step, nanos, success) -> steps.add(step + (success ? " success" : " failure")));
			OtpAdmission lossyAdmission = new OtpAdmission(
					new BucketRateLimiter(lossy.buckets, new BlockedKeys(1000, Ticker.systemTicker()), phases), this.keys,
					this.store, (decision, dryRun) -> this.decided.add(decision));
			long started = System.nanoTime();

			StepVerifier.create(lossyAdmission.admitSend(policies, phone, client("203.0.113.9")))
				.expectErrorSatisfies(error -> {
					assertThat(((ProblemException) error).code()).isEqualTo(ProblemCode.STORE_UNAVAILABLE);
					assertThat(((ProblemException) error).retryAfter()).isEqualTo(Duration.ofSeconds(1));
				})
				.verify(Duration.ofSeconds(5));

			assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(deadline, deadline.plusMillis(500));
			assertThat(steps).contains("send-per-phone success", "send-per-prefix failure");
			assertThat(phases.circuit().circuitBreaker().getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
			// The phone's token comes back behind the answer; the range's is unknown, as its command never reached
			// Redis, and is left alone.
			BucketRateLimiter limiter = new BucketRateLimiter(buckets, new BlockedKeys(1000, Ticker.systemTicker()), guard);
			await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
					limiter.peek(policies.sendPerPhone(), this.keys.sendPerPhone(phone)).block(TIMEOUT).remaining())
				.isEqualTo(policies.sendPerPhone().quota()));
			assertThat(steps).containsExactlyInAnyOrder("send-per-phone success", "send-per-prefix failure",
					"send-per-phone-refund success");
		}
		assertThat(this.decided).extracting(RateLimitDecision::limitName).containsExactly("send-per-phone");
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

	/**
	 * A bucket connection on which every command for one key is lost on its way to Redis, as in a network that
	 * drops it: the command never answers, while the others of the same connection do.
	 */
	static final class LossyRedis implements AutoCloseable {

		final ClientResources resources;

		final RedisClient client;

		final LettuceBuckets buckets;

		LossyRedis(String lostKey) {
			this.resources = ClientResources.builder().nettyCustomizer(new NettyCustomizer() {

				@Override
				public void afterChannelInitialized(Channel channel) {
					channel.pipeline().addLast(new ChannelOutboundHandlerAdapter() {

						@Override
						public void write(ChannelHandlerContext context, Object message, ChannelPromise promise)
								throws Exception {
							if (!(message instanceof RedisCommand<?, ?, ?> command && isFor(command, lostKey))) {
								super.write(context, message, promise);
							}
						}

					});
				}

			}).build();
			this.client = RedisClient.create(this.resources, TestRedis.url());
			this.buckets = new LettuceBuckets(this.client, TimeMeter.SYSTEM_MILLISECONDS, TIMEOUT);
			// Connected, and bucket4j's script loaded, before the phase's deadline runs.
			BucketRateLimiter warm = new BucketRateLimiter(this.buckets, new BlockedKeys(10, Ticker.systemTicker()), guard);
			warm.tryConsume(new NamedLimit("warm-up", List.of(Limit.valueOf("1/1m")), Refill.GREEDY),
					TestRedis.uniquePrefix() + "{warm-up}").block(Duration.ofSeconds(30));
		}

		private static boolean isFor(RedisCommand<?, ?, ?> command, String key) {
			ByteBuffer first = (command.getArgs() != null) ? command.getArgs().getFirstEncodedKey() : null;
			return first != null && key.equals(StandardCharsets.UTF_8.decode(first.duplicate()).toString());
		}

		@Override
		public void close() {
			this.buckets.close();
			this.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
			this.resources.shutdown();
		}

	}

}
