package kz.cvety.edge.faults;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi;
import kz.cvety.otp.metrics.OtpMetrics;
import kz.cvety.otp.phone.PhoneMasker;
import kz.cvety.otp.testing.HttpStub;
import kz.cvety.otp.testing.HttpStub.Reply;
import kz.cvety.otp.testing.TestRedis;

import static kz.cvety.edge.support.OtpApi.newPhone;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that goes away while its code is being sent (a phone losing signal, a tab closed, a load balancer's
 * idle cut): the send still runs to its end. The SMS may already be on its way, so the code must still verify, the
 * send must be recorded and counted as any other, and the provider's reply must be read to its end, not cut off
 * half-read.
 */
@ExtendWith(OutputCaptureExtension.class)
class ClientGoneIT {

	static final Duration PROVIDER_DELAY = Duration.ofMillis(700);

	static final JsonMapper JSON = JsonMapper.builder().build();

	static HttpStub provider;

	static GatewayInstance gateway;

	@BeforeAll
	static void start() {
		OtpApi.warmUpJvm();
		provider = HttpStub.start();
		gateway = GatewayInstance.start(provider.url() + "/sms", Map.of());
		OtpApi.warmUp(gateway.url(), 5, Map.of());
	}

	@AfterAll
	static void stop() {
		gateway.close();
		provider.close();
	}

	@Test
	void aSendWhoseClientLeftMidwayEndsIsRecordedAndItsCodeVerifies(CapturedOutput output) throws IOException {
		provider.respond(request -> Reply.json(200, "{\"ok\":true}").delayedBy(PROVIDER_DELAY));
		provider.reset();
		String phone = newPhone();
		String requestId = "client-gone-" + UUID.randomUUID();
		double sentBefore = sent();

		try (Socket client = new Socket()) {
			client.connect(new InetSocketAddress("127.0.0.1", gateway.port()), 5000);
			byte[] body = OtpApi.json("phone", phone).getBytes(StandardCharsets.UTF_8);
			OutputStream out = client.getOutputStream();
			out.write(("POST /api/auth/request-otp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
					+ "X-Request-Id: " + requestId + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
			out.write(body);
			out.flush();
			// The provider has the message; the client hangs up before the provider answers.
			Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> provider.requests().size() == 1);
		}

		String line = "otp.send phone=" + PhoneMasker.mask(phone) + " outcome=sent request_id=" + requestId;
		Awaitility.await()
			.atMost(PROVIDER_DELAY.plusSeconds(5))
			.untilAsserted(() -> {
				assertThat(output.getOut()).contains(line);
				assertThat(sent()).isEqualTo(sentBefore + 1);
			});
		assertThat(output.getOut()).doesNotContain("onErrorDropped");
		String code = JSON.readTree(provider.requests().get(0).body()).path("code").asString();
		provider.respond(request -> Reply.json(200, "{\"ok\":true}"));
		assertThat(OtpApi.verify(gateway.url(), phone, code).status()).isEqualTo(200);
	}

	private static double sent() {
		Counter counter = gateway.context()
			.getBean(MeterRegistry.class)
			.find(OtpMetrics.SENDS)
			.tag("outcome", "sent")
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

}
