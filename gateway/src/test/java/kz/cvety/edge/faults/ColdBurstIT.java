package kz.cvety.edge.faults;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.edge.support.SmsSink;
import kz.cvety.otp.testing.TestRedis;

import static kz.cvety.edge.support.OtpApi.concurrently;
import static kz.cvety.edge.support.OtpApi.newPhone;
import static kz.cvety.edge.support.OtpApi.requestOtpAsync;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bursts at two freshly started gateways on one Redis, as soon as both report ready and with no warm-up by the
 * test: every limit holds exactly and no request gets a 5xx. Repeated {@code cvety-test.cold-burst-runs} times
 * (20 under {@code -Psoak}), each on new gateways and a new key prefix.
 */
class ColdBurstIT {

	private static final int RUNS = Integer.getInteger("cvety-test.cold-burst-runs", 3);

	private static final HttpClient HTTP = HttpClient.newHttpClient();

	@Test
	void burstsRightAfterReadinessAdmitExactlyTheLimitsAndGetNo5xx() throws Exception {
		List<String> runs = new ArrayList<>();
		try (SmsSink sms = new SmsSink()) {
			for (int run = 1; run <= RUNS; run++) {
				runs.add("run " + run + ": " + burstOnColdFleet(sms, run));
			}
		}
		runs.forEach(System.out::println);
		assertThat(runs).allSatisfy(run -> assertThat(run).contains("one phone 10 x 200, 50 x 429, 0 other")
			.contains("200 phones 200 x 200, 0 other"));
	}

	private static String burstOnColdFleet(SmsSink sms, int run) throws Exception {
		String prefix = TestRedis.uniquePrefix();
		CompletableFuture<GatewayInstance> starting = CompletableFuture.supplyAsync(() -> start(sms, prefix));
		try (GatewayInstance first = start(sms, prefix); GatewayInstance second = starting.join()) {
			awaitReady(first);
			awaitReady(second);
			List<GatewayInstance> fleet = List.of(first, second);

			String phone = newPhone();
			Map<String, String> client = Map.of("X-Forwarded-For", "10.70." + run + ".1");
			List<Answer> onePhone = concurrently(60,
					i -> requestOtpAsync(fleet.get(i % 2).url(), phone, client));
			List<String> phones = IntStream.range(0, 200).mapToObj(i -> newPhone()).toList();
			List<Answer> manyPhones = concurrently(200, i -> requestOtpAsync(fleet.get(i % 2).url(), phones.get(i),
					Map.of("X-Forwarded-For", "10.71." + run + "." + i)));

			return "one phone " + count(onePhone, 200) + " x 200, " + count(onePhone, 429) + " x 429, "
					+ (60 - count(onePhone, 200) - count(onePhone, 429)) + " other " + others(onePhone)
					+ "; 200 phones " + count(manyPhones, 200) + " x 200, " + (200 - count(manyPhones, 200))
					+ " other " + others(manyPhones);
		}
	}

	private static GatewayInstance start(SmsSink sms, String prefix) {
		Map<String, String> settings = GatewayInstance.defaults(sms.url(), prefix);
		settings.put("cvety.otp.trusted-proxy-hops", "1");
		return GatewayInstance.start(settings);
	}

	/** Waits for readiness as a load balancer would, polling every 100 ms. */
	private static void awaitReady(GatewayInstance gateway) throws Exception {
		HttpRequest readiness = HttpRequest.newBuilder(URI.create(gateway.url() + "/actuator/health/readiness"))
			.timeout(Duration.ofSeconds(2))
			.build();
		Awaitility.await("ready within 30 s")
			.atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(100))
			.until(() -> HTTP.send(readiness, HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
	}

	private static long count(List<Answer> answers, int status) {
		return answers.stream().filter(answer -> answer.status() == status).count();
	}

	/** The answers other than 200 and 429, as status and code. */
	private static List<String> others(List<Answer> answers) {
		return answers.stream()
			.filter(answer -> answer.status() != 200 && answer.status() != 429)
			.map(answer -> answer.status() + " " + answer.code())
			.toList();
	}

}
