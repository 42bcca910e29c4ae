package kz.cvety.edge.faults;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi;
import kz.cvety.edge.support.RedisContents;
import kz.cvety.edge.support.SmsSink;
import kz.cvety.otp.metrics.OtpMetrics;
import kz.cvety.otp.phone.PhoneMasker;
import kz.cvety.otp.testing.HttpStub;
import kz.cvety.otp.testing.HttpStub.Reply;
import kz.cvety.otp.testing.TcpProxy;
import kz.cvety.otp.testing.TestRedis;

import static kz.cvety.edge.support.OtpApi.newPhone;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that goes away once its request is admitted (a phone losing signal, a tab closed, a load balancer's
 * idle cut): the request still runs to its end. A send's SMS may already be on its way, so its code must still
 * verify, and a verification may have used its code; either is recorded and counted as any other, and the
 * provider's or backend's reply is read to its end, not cut off half-read.
 */
@ExtendWith(OutputCaptureExtension.class)
class ClientGoneIT {

	static final Duration REPLY_DELAY = Duration.ofMillis(700);

	// Far longer than the test takes to see a step reach Redis and hang up, a pause of a loaded machine included.
	static final Duration REDIS_REPLY_DELAY = Duration.ofSeconds(2);

	// Longer than the quiet period in which the HTTP client's event loops still run tasks when they shut down.
	static final Duration SHUTDOWN_REPLY_DELAY = Duration.ofSeconds(3);

	static SmsSink provider;

	static HttpStub backend;

	static GatewayInstance gateway;

	@BeforeAll
	static void start() {
		OtpApi.warmUpJvm();
		provider = new SmsSink();
		backend = HttpStub.start();
		gateway = GatewayInstance.start(provider.url(),
				Map.of("cvety.otp.handoff.enabled", "true", "cvety.backend-url", backend.url()));
		OtpApi.warmUp(gateway.url(), 5, Map.of());
	}

	@AfterAll
	static void stop() {
		gateway.close();
		backend.close();
		provider.close();
	}

	@BeforeEach
	void quickReplies() {
		provider.reset();
		backend.reset();
		backend.respond(request -> Reply.json(200, "{\"session\":\"s\"}"));
	}

	@Test
	void aSendWhoseClientLeftMidwayEndsIsRecordedAndItsCodeVerifies(CapturedOutput output) throws IOException {
		provider.respond(request -> Reply.json(200, "{\"ok\":true}").delayedBy(REPLY_DELAY));
		String phone = newPhone();
		String requestId = "client-gone-" + UUID.randomUUID();
		double sentBefore = count(OtpMetrics.SENDS, "sent");

		postAndHangUp("/api/auth/request-otp", OtpApi.json("phone", phone), requestId,
				() -> provider.count() == 1);

		String line = "otp.send phone=" + PhoneMasker.mask(phone) + " outcome=sent request_id=" + requestId;
		Awaitility.await().atMost(REPLY_DELAY.plusSeconds(5)).untilAsserted(() -> {
			assertThat(output.getOut()).contains(line);
			assertThat(count(OtpMetrics.SENDS, "sent")).isEqualTo(sentBefore + 1);
		});
		assertThat(OtpApi.verify(gateway.url(), phone, provider.lastCode(phone)).status()).isEqualTo(200);
		assertThat(output.getOut()).doesNotContain("onErrorDropped");
	}

	@Test
	void aVerificationWhoseClientLeftDuringTheHandOffEndsAndIsRecorded(CapturedOutput output) throws IOException {
		String phone = newPhone();
		assertThat(OtpApi.requestOtp(gateway.url(), phone).status()).isEqualTo(200);
		String code = provider.lastCode(phone);
		backend.respond(request -> Reply.json(200, "{\"session\":\"s\"}").delayedBy(REPLY_DELAY));
		String requestId = "client-gone-" + UUID.randomUUID();
		double verifiedBefore = count(OtpMetrics.VERIFICATIONS, "verified");

		postAndHangUp("/api/auth/verify-otp", OtpApi.json("phone", phone, "otp_code", code), requestId,
				() -> backend.requests().size() == 1);

		String line = "otp.verify phone=" + PhoneMasker.mask(phone) + " outcome=verified request_id=" + requestId;
		Awaitility.await().atMost(REPLY_DELAY.plusSeconds(5)).untilAsserted(() -> {
			assertThat(output.getOut()).contains(line);
			assertThat(count(OtpMetrics.VERIFICATIONS, "verified")).isEqualTo(verifiedBefore + 1);
		});
		// The code was used once, and the hand-off still serves the next customer.
		assertThat(OtpApi.verify(gateway.url(), phone, code).status()).isEqualTo(401);
		backend.respond(request -> Reply.json(200, "{\"session\":\"s\"}"));
		String next = newPhone();
		assertThat(OtpApi.requestOtp(gateway.url(), next).status()).isEqualTo(200);
		assertThat(OtpApi.verify(gateway.url(), next, provider.lastCode(next)).status()).isEqualTo(200);
		assertThat(output.getOut()).doesNotContain("onErrorDropped");
	}

	@Test
	void shutdownWaitsForASendWhoseClientLeftToEnd(CapturedOutput output) throws IOException {
		provider.respond(request -> Reply.json(200, "{\"ok\":true}").delayedBy(SHUTDOWN_REPLY_DELAY));
		GatewayInstance leaving = GatewayInstance.start(provider.url(), Map.of());
		String prefix = leaving.keyPrefix();
		String phone = newPhone();
		String requestId = "client-gone-" + UUID.randomUUID();

		postAndHangUp(leaving.port(), "/api/auth/request-otp", OtpApi.json("phone", phone), requestId,
				() -> provider.count() == 1);
		// The web server's graceful shutdown sees no request: its client has gone.
		leaving.close();

		assertThat(output.getOut())
			.contains("otp.send phone=" + PhoneMasker.mask(phone) + " outcome=sent request_id=" + requestId);
		try (RedisContents redis = RedisContents.connect()) {
			assertThat(redis.dump(prefix + "pump:range:").values()).as("the pumping guard's count of the code sent")
				.singleElement()
				.asString()
				.containsPattern("(?m)^s\\d+=1$");
		}
	}

	@Test
	void aSendWhoseClientLeftBeforeItWasAdmittedSendsNoSmsAndItsGuardCountIsTakenBack(CapturedOutput output)
			throws IOException {
		URI redisUrl = URI.create(TestRedis.url());
		try (TcpProxy proxy = TcpProxy.to(redisUrl.getHost(), redisUrl.getPort());
				RedisContents redis = RedisContents.connect()) {
			Map<String, String> settings = GatewayInstance.defaults(provider.url(), TestRedis.uniquePrefix());
			settings.put("spring.data.redis.url", "redis://127.0.0.1:" + proxy.port());
			settings.put("cvety.otp.redis.command-timeout", "5s");
			GatewayInstance slow = GatewayInstance.start(settings);
			try {
				String prefix = slow.keyPrefix();
				String requestId = "client-gone-" + UUID.randomUUID();
				proxy.replyLatency(REDIS_REPLY_DELAY);

				// The client's address is asked once the range's phase, with the guard's count, has answered: its
				// bucket in Redis means the code is counted and the send not yet admitted. The client leaves then.
				postAndHangUp(slow.port(), "/api/auth/request-otp", OtpApi.json("phone", newPhone()), requestId,
						() -> !redis.keys(prefix + "ip:*").isEmpty());

				Awaitility.await().atMost(REDIS_REPLY_DELAY.multipliedBy(3))
					.untilAsserted(() -> assertThat(redis.dump(prefix + "pump:range:").values())
						.as("the pumping guard's count of a code never sent")
						.singleElement()
						.asString()
						.containsPattern("(?m)^s\\d+=0$"));
				// Admitted, the send would have had its SMS out two delayed replies after the hang-up.
				Awaitility.await().during(REDIS_REPLY_DELAY.multipliedBy(3)).atMost(REDIS_REPLY_DELAY.multipliedBy(4))
					.until(() -> provider.count() == 0);
				assertThat(output.getOut()).doesNotContain("outcome=sent request_id=" + requestId);
			}
			finally {
				slow.close();
			}
		}
	}

	private static void postAndHangUp(String path, String json, String requestId, Callable<Boolean> reached)
			throws IOException {
		postAndHangUp(gateway.port(), path, json, requestId, reached);
	}

	/** Posts {@code json} on a socket of its own and closes it, unanswered, once {@code reached} holds. */
	private static void postAndHangUp(int port, String path, String json, String requestId, Callable<Boolean> reached)
			throws IOException {
		try (Socket client = new Socket()) {
			client.connect(new InetSocketAddress("127.0.0.1", port), 5000);
			byte[] body = json.getBytes(StandardCharsets.UTF_8);
			OutputStream out = client.getOutputStream();
			out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
					+ "X-Request-Id: " + requestId + "\r\nContent-Length: " + body.length + "\r\n\r\n")
				.getBytes(StandardCharsets.US_ASCII));
			out.write(body);
			out.flush();
			Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(reached);
		}
	}

	private static double count(String meter, String outcome) {
		Counter counter = gateway.context().getBean(MeterRegistry.class).find(meter).tag("outcome", outcome).counter();
		return (counter != null) ? counter.count() : 0;
	}

}
