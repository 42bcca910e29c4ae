package kz.cvety.edge.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi;
import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.edge.support.SmsSink;
import kz.cvety.otp.testing.TestRedis;

import static kz.cvety.edge.support.OtpApi.concurrently;
import static kz.cvety.edge.support.OtpApi.forwardedFor;
import static kz.cvety.edge.support.OtpApi.newPhone;
import static kz.cvety.edge.support.OtpApi.requestOtpAsync;
import static kz.cvety.edge.support.OtpApi.verifyAsync;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three gateway instances on one Redis (same key prefix), each with its own event loops, hit at once
 * (LimitScaleOutIT does two): bursts for one phone and from one client admit exactly the limit, concurrent
 * right codes verify once, concurrent wrong guesses are evaluated at most {@code max-attempts} times; and a
 * sustained run at a fixed rate never admits more than the token bucket allows in any window.
 * <p>
 * The bound: a greedy bucket of capacity N refilled at N per period P holds at most N tokens when a window
 * opens and gains N*W/P during a window of length W, so it admits at most N + N*W/P in it. The test stamps a
 * request when it is sent; the gateway decides it before the answer arrives, so the requests sent within any P
 * were decided within P plus the slowest admitted request's latency L, and the test checks N + N*(P+L)/P for
 * every window of length P that starts at an admitted request, and N + N*(T+L)/P for the whole run of length T.
 */
class FleetConcurrencyIT {

	/** Seconds of the sustained run: 30 in the normal build, 60 with {@code -Psoak}. */
	static final long SUSTAINED_SECONDS = Long.getLong("cvety-test.sustained-seconds", 30);

	static SmsSink sms;

	static List<GatewayInstance> fleet = new ArrayList<>();

	@BeforeAll
	static void startFleet() {
		OtpApi.warmUpJvm();
		sms = new SmsSink();
		String prefix = TestRedis.uniquePrefix();
		for (int i = 0; i < 3; i++) {
			GatewayInstance gateway = GatewayInstance.start(settings(prefix, Map.of()));
			fleet.add(gateway);
			OtpApi.warmUp(gateway.url(), 1, Map.of("X-Forwarded-For", "10.250.0." + i));
		}
	}

	@AfterAll
	static void stopFleet() {
		fleet.forEach(GatewayInstance::close);
		sms.close();
	}

	@Test
	void sixtyConcurrentSendsForOnePhoneAcrossThreeGatewaysAdmitExactlyTen() {
		String phone = newPhone();

		List<Answer> answers = concurrently(60, i -> requestOtpAsync(url(i), phone, forwardedFor("10.20.0.1")));

		assertThat(answers).filteredOn(answer -> answer.status() == 200).hasSize(10);
		assertThat(answers).filteredOn(answer -> answer.status() != 200).hasSize(50)
			.allSatisfy(answer -> assertThatProblem(answer).isRateLimitedBy("send-per-phone"));
		assertThat(sms.messages()).filteredOn(message -> message.phone().equals(phone)).hasSize(10);
	}

	@Test
	void fortyPhonesFromOneClientAcrossThreeGatewaysAdmitExactlyThirty() {
		List<String> phones = IntStream.range(0, 40).mapToObj(i -> newPhone()).toList();

		List<Answer> answers = concurrently(40, i -> requestOtpAsync(url(i), phones.get(i), forwardedFor("10.20.0.2")));

		assertThat(answers).filteredOn(answer -> answer.status() == 200).hasSize(30);
		assertThat(answers).filteredOn(answer -> answer.status() != 200).hasSize(10)
			.allSatisfy(answer -> assertThatProblem(answer).isRateLimitedBy("send-per-ip"));
		assertThat(sms.messages()).filteredOn(message -> phones.contains(message.phone())).hasSize(30);
	}

	@RepeatedTest(2)
	void thirtyConcurrentRightCodesAcrossThreeGatewaysVerifyExactlyOnce() {
		String phone = newPhone();
		assertThat(OtpApi.requestOtp(url(0), phone, forwardedFor("10.20.1.1")).status()).isEqualTo(200);
		String code = sms.lastCode(phone);

		List<Answer> answers = concurrently(30, i -> verifyAsync(url(i), phone, code));

		assertThat(answers).filteredOn(answer -> answer.status() == 200).hasSize(1);
		assertThat(answers).filteredOn(answer -> answer.status() != 200).hasSize(29)
			.allSatisfy(answer -> assertThatProblem(answer).isClientError().hasCodeIn("otp_expired", "otp_attempts_exhausted"));
	}

	@RepeatedTest(2)
	void fortyConcurrentWrongGuessesAcrossThreeGatewaysAreEvaluatedAtMostThreeTimes() {
		String phone = newPhone();
		assertThat(OtpApi.requestOtp(url(0), phone, forwardedFor("10.20.1.2")).status()).isEqualTo(200);
		String code = sms.lastCode(phone);

		List<Answer> answers = concurrently(40, i -> verifyAsync(url(i), phone, wrong(code, i)));

		assertThat(answers).filteredOn(answer -> answer.status() == 401).hasSizeLessThanOrEqualTo(3)
			.allSatisfy(answer -> assertThatProblem(answer).hasStatus(401).hasCode("otp_invalid"));
		assertThat(answers).filteredOn(answer -> answer.status() != 401)
			.allSatisfy(answer -> assertThatProblem(answer).hasStatus(429).hasCode("otp_attempts_exhausted"));
		assertThatProblem(OtpApi.verify(url(1), phone, code)).hasStatus(429).hasCode("otp_attempts_exhausted");
	}

	@Test
	void sustainedRunAboveTheLimitNeverAdmitsMoreThanTheBucketAllowsInAnyWindow() throws Exception {
		int limit = 5;
		Duration period = Duration.ofSeconds(2);
		Duration every = Duration.ofMillis(100);
		String prefix = TestRedis.uniquePrefix();
		List<GatewayInstance> sustained = new ArrayList<>();
		try {
			for (int i = 0; i < 3; i++) {
				// One phone far above its limit for the whole run: its number range must not be the limit that answers.
				sustained.add(GatewayInstance.start(settings(prefix, Map.of("cvety.otp.limits.send-per-phone",
						limit + "/" + period.toSeconds() + "s", "cvety.otp.limits.send-per-prefix", "100000/1h",
						"cvety.otp.pumping.enabled", "false"))));
				OtpApi.warmUp(sustained.get(i).url(), 1, Map.of("X-Forwarded-For", "10.251.0." + i));
			}
			String phone = newPhone();
			List<long[]> admitted = new CopyOnWriteArrayList<>();
			List<Answer> refused = new CopyOnWriteArrayList<>();
			List<CompletableFuture<Void>> inFlight = new CopyOnWriteArrayList<>();
			AtomicInteger sent = new AtomicInteger();
			long epoch = System.nanoTime();
			ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
			// At a fixed rate, round robin over the three gateways, one phone: four times what the limit admits.
			clock.scheduleAtFixedRate(() -> {
				int n = sent.getAndIncrement();
				long start = System.nanoTime() - epoch;
				inFlight.add(requestOtpAsync(sustained.get(n % 3).url(), phone, forwardedFor("10.21.0." + (n % 250)))
					.thenAccept(answer -> {
						if (answer.status() == 200) {
							admitted.add(new long[] { start, System.nanoTime() - epoch });
						}
						else {
							refused.add(answer);
						}
					}));
			}, 0, every.toMillis(), TimeUnit.MILLISECONDS);
			org.awaitility.Awaitility.await()
				.atMost(Duration.ofSeconds(SUSTAINED_SECONDS + 30))
				.pollInterval(Duration.ofMillis(100))
				.until(() -> System.nanoTime() - epoch >= TimeUnit.SECONDS.toNanos(SUSTAINED_SECONDS));
			clock.shutdown();
			assertThat(clock.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
			CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

			assertThat(refused).allSatisfy(answer -> assertThatProblem(answer).isRateLimitedBy("send-per-phone"));
			List<long[]> byStart = admitted.stream().sorted((a, b) -> Long.compare(a[0], b[0])).toList();
			long slowest = byStart.stream().mapToLong(times -> times[1] - times[0]).max().orElse(0);
			double perPeriod = limit * (period.toNanos() + slowest) / (double) period.toNanos();
			long windowBound = (long) Math.floor(limit + perPeriod);
			int worstWindow = 0;
			for (int i = 0; i < byStart.size(); i++) {
				long end = byStart.get(i)[0] + period.toNanos();
				int inWindow = 0;
				for (int j = i; j < byStart.size() && byStart.get(j)[0] <= end; j++) {
					inWindow++;
				}
				worstWindow = Math.max(worstWindow, inWindow);
			}
			long run = byStart.isEmpty() ? 0 : byStart.get(byStart.size() - 1)[0] - byStart.get(0)[0];
			long runBound = (long) Math.floor(limit + limit * (run + slowest) / (double) period.toNanos());
			long fair = limit * TimeUnit.SECONDS.toNanos(SUSTAINED_SECONDS) / period.toNanos();

			assertThat(worstWindow).as("most admitted in any window of " + period).isLessThanOrEqualTo((int) windowBound);
			assertThat((long) byStart.size()).as("admitted in the whole run").isLessThanOrEqualTo(runBound);
			assertThat((long) byStart.size()).as("admitted: the limit is granted, not starved").isGreaterThanOrEqualTo(fair * 8 / 10);
			assertThat(sms.messages()).filteredOn(message -> message.phone().equals(phone)).hasSize(byStart.size());
			System.out.printf("RELIABILITY fleet-sustained: 3 gateways, limit %d/%ds greedy, %d requests in %d s at %d/s, "
					+ "%d admitted (bucket bound %d for %.1f s, fair share %d), %d windows of %d s checked, most admitted in "
					+ "one %d (bound %d with slowest admitted %d ms), %d refused 429%n", limit, period.toSeconds(), sent.get(),
					SUSTAINED_SECONDS, 1000 / every.toMillis(), byStart.size(), runBound, run / 1e9, fair, byStart.size(),
					period.toSeconds(), worstWindow, windowBound, TimeUnit.NANOSECONDS.toMillis(slowest), refused.size());
		}
		finally {
			sustained.forEach(GatewayInstance::close);
		}
	}

	private static String url(int i) {
		return fleet.get(i % fleet.size()).url();
	}

	/** A wrong code of the same length, different for each {@code i}. */
	private static String wrong(String code, int i) {
		String guess = String.format("%06d", (Integer.parseInt(code) + 1 + i) % 1_000_000);
		return guess.substring(guess.length() - code.length());
	}

	private static Map<String, String> settings(String prefix, Map<String, String> overrides) {
		Map<String, String> settings = GatewayInstance.defaults(sms.url(), prefix);
		settings.put("cvety.otp.trusted-proxy-hops", "1");
		settings.putAll(overrides);
		return settings;
	}

}
