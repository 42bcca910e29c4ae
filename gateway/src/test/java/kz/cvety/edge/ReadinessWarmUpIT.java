package kz.cvety.edge;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.util.ReflectionTestUtils;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi;
import kz.cvety.edge.support.RedisContents;
import kz.cvety.edge.support.SmsSink;
import kz.cvety.otp.metrics.OtpMetrics;
import kz.cvety.otp.store.OtpKeys;
import kz.cvety.otp.testing.TestRedis;
import kz.cvety.otp.web.OtpWarmUp;
import kz.cvety.otp.web.WarmUpSmsSink;
import kz.cvety.otp.web.WarmUpTraffic;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Readiness waits for the start-up warm-up of the OTP paths: polled from before the gateway listens, it is never
 * UP before the warm-up says it is done; the warm-up's requests go through the gateway's own routes, touch no
 * customer's key, send no SMS to the provider, are not logged as decisions and leave nothing in the metrics; after
 * it, its header means nothing.
 */
@ExtendWith(OutputCaptureExtension.class)
class ReadinessWarmUpIT {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final String POLL = "readiness-poll ";

	private static final String WARMED_UP = "OTP paths warmed up: ";

	@Test
	void readinessIsNotUpBeforeTheWarmUpIsDoneAndTheWarmUpTouchesNoCustomerKey(CapturedOutput output) throws Exception {
		int port = freePort();
		String prefix = TestRedis.uniquePrefix();
		Set<String> keysSeen = ConcurrentHashMap.newKeySet();
		AtomicBoolean polling = new AtomicBoolean(true);
		try (SmsSink sms = new SmsSink(); RedisContents redis = RedisContents.connect()) {
			Map<String, String> settings = GatewayInstance.defaults(sms.url(), prefix);
			settings.put("server.port", Integer.toString(port));
			// As shipped: after its passes the warm-up waits for the JIT compiler.
			settings.remove("cvety.otp.warm-up.until-compiled");
			Thread poller = new Thread(() -> poll(port, prefix, redis, keysSeen, polling), "readiness-poller");
			poller.start();
			try (GatewayInstance gateway = GatewayInstance.start(settings)) {
				OtpWarmUp.Progress progress = gateway.context().getBean(OtpWarmUp.class).progress();
				Awaitility.await()
					.atMost(Duration.ofSeconds(10))
					.pollInterval(Duration.ofMillis(20))
					.until(() -> output.getOut().contains(POLL + "200"));
				polling.set(false);
				poller.join();

				assertThat(progress.finished()).isTrue();
				assertThat(progress.complete()).as(String.valueOf(progress.problem())).isTrue();
				assertThat(progress.passes()).isGreaterThanOrEqualTo(300);
				List<String> lines = output.getOut().lines().toList();
				int warmedUp = indexOf(lines, WARMED_UP);
				assertThat(warmedUp).as("the warm-up's log line").isNotNegative();
				assertThat(lines.get(warmedUp)).as("its passes went through the server and the gateway routes")
					.contains("passes through HTTP");
				List<String> before = lines.subList(0, warmedUp);
				assertThat(before).as("warm-up requests are not customers' decisions")
					.noneMatch(line -> line.contains("otp.send ") || line.contains("otp.verify "));
				List<String> after = lines.subList(warmedUp, lines.size());
				assertThat(before).as("readiness answers during the warm-up")
					.filteredOn(line -> line.startsWith(POLL + "503 otpWarmUp=OUT_OF_SERVICE"))
					.isNotEmpty();
				assertThat(before).noneMatch(line -> line.startsWith(POLL + "200"));
				assertThat(after).anyMatch(line -> line.startsWith(POLL + "200 otpWarmUp=UP"));

				// The warm-up ran on Redis, under its own segment only, and deleted what it wrote.
				assertThat(keysSeen).isNotEmpty().allMatch(key -> key.startsWith(prefix + OtpWarmUp.KEY_SEGMENT));
				// Its sends were counted for its own pumping guard, as a customer's are for the real one.
				assertThat(keysSeen).anyMatch(key -> key.contains(":pump:range:"));
				assertThat(redis.keys(prefix + "*")).isEmpty();
				// Its sends ran the provider's sender, to a sink of its own, closed with it.
				assertThat(sms.count()).as("SMS to the configured provider").isZero();
				WarmUpSmsSink sink = gateway.context().getBean(WarmUpTraffic.class).throwaway().sms();
				assertThat(sink).isNotNull();
				assertThat(sink.received()).isGreaterThanOrEqualTo(progress.passes());
				assertThat(sink.closed()).isTrue();
				MeterRegistry meters = gateway.context().getBean(MeterRegistry.class);
				assertThat(meters.find("spring.cloud.gateway.requests").meters()).as("route meters").isEmpty();
				assertThat(meters.find("http.server.requests").meters()).as("only the readiness polls after it")
					.allMatch(meter -> String.valueOf(meter.getId().getTag("uri")).startsWith("/actuator"));
				assertThat(meters.find(OtpMetrics.SENDS).counters()).as("customers' sends")
					.allMatch(counter -> counter.count() == 0);
				assertThat(meters.find(OtpMetrics.VERIFICATIONS).counters()).allMatch(counter -> counter.count() == 0);
				assertThat(meters.find(OtpMetrics.SMS_SEND).timers()).allMatch(timer -> timer.count() == 0);
				assertThat(meters.find(OtpMetrics.LIMIT_DECISIONS).counters()).allMatch(counter -> counter.count() == 0);
			}
			finally {
				polling.set(false);
				poller.join();
			}
		}
	}

	@Test
	void afterTheWarmUpItsHeaderEvenWithTheRightSecretIsACustomersRequest(CapturedOutput output) throws Exception {
		String prefix = TestRedis.uniquePrefix();
		try (SmsSink sms = new SmsSink(); RedisContents redis = RedisContents.connect();
				GatewayInstance gateway = GatewayInstance.start(GatewayInstance.defaults(sms.url(), prefix))) {
			WarmUpTraffic traffic = gateway.context().getBean(WarmUpTraffic.class);
			// What an attacker could at best have learnt: the secret of this very start.
			String secret = (String) ReflectionTestUtils.getField(traffic, "secret");
			String phone = OtpApi.newPhone();

			OtpApi.Answer sent = OtpApi.requestOtp(gateway.url(), phone, Map.of(WarmUpTraffic.HEADER, secret));

			assertThat(sent.status()).isEqualTo(200);
			assertThat(sms.count()).as("a real SMS").isEqualTo(1);
			OtpKeys keys = gateway.context().getBean(OtpKeys.class);
			assertThat(redis.keys(prefix + "*")).as("the customer's own keys")
				.contains(keys.sendPerPhone(phone), keys.sendGlobal())
				.noneMatch(key -> key.startsWith(prefix + OtpWarmUp.KEY_SEGMENT));
			// The decision line is written once the answer is out.
			Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> output.getOut().contains("otp.send "));
			MeterRegistry meters = gateway.context().getBean(MeterRegistry.class);
			assertThat(meters.find("spring.cloud.gateway.requests").tag("routeId", "otp-request").timer())
				.as("counted as a customer's request").isNotNull();
			assertThat(meters.find("http.server.requests").tag("uri", "/_cvety/otp/request-otp").timer()).isNotNull();
			OtpApi.Answer verified = OtpApi.verify(gateway.url(), phone, sms.lastCode(phone),
					Map.of(WarmUpTraffic.HEADER, secret));
			assertThat(verified.status()).isEqualTo(200);
			OtpApi.checkToken(verified.json().path("verification_token").asString(), phone);
		}
	}

	/** Asks readiness, and samples the prefix's keys, until told to stop; each answer is one output line. */
	private static void poll(int port, String prefix, RedisContents redis, Set<String> keysSeen, AtomicBoolean polling) {
		HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
		HttpRequest readiness = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))
			.timeout(Duration.ofSeconds(2))
			.build();
		while (polling.get()) {
			try {
				HttpResponse<String> answer = client.send(readiness, HttpResponse.BodyHandlers.ofString());
				JsonNode warmUp = JSON.readTree(answer.body()).path("components").path("otpWarmUp").path("status");
				System.out.println(POLL + answer.statusCode() + " otpWarmUp=" + warmUp.asString("missing"));
			}
			catch (IOException | RuntimeException ex) {
				// Not listening yet, or not answering JSON yet.
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			keysSeen.addAll(redis.keys(prefix + "*"));
		}
	}

	private static int indexOf(List<String> lines, String text) {
		for (int i = 0; i < lines.size(); i++) {
			if (lines.get(i).contains(text)) {
				return i;
			}
		}
		return -1;
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
