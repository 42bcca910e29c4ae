package kz.cvety.otp.sms;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

import io.netty.channel.ChannelOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.netty.http.client.HttpClient;
import reactor.test.StepVerifier;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

import kz.cvety.otp.testing.HttpStub;
import kz.cvety.otp.testing.HttpStub.Reply;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The webhook sender against a real HTTP server: what the provider receives, and which answers count as
 * delivered.
 */
class WebhookSmsSenderIT {

	static final SmsMessage MESSAGE = new SmsMessage("+77771234567", "123456",
			"Cvety.kz: your login code is 123456. It is valid for 5 min. Do not share it.");

	final HttpStub provider = HttpStub.start();

	@AfterEach
	void stopProvider() {
		this.provider.close();
	}

	@Test
	void postsExactlyPhoneCodeAndTextAsJson() {
		StepVerifier.create(sender(this.provider.url() + "/sms/send").send(MESSAGE)).verifyComplete();

		assertThat(this.provider.requests()).singleElement().satisfies(request -> {
			assertThat(request.method()).isEqualTo("POST");
			assertThat(request.uri()).isEqualTo("/sms/send");
			MediaType contentType = MediaType.parseMediaType(request.headers().get("Content-Type"));
			assertThat(contentType.getType() + "/" + contentType.getSubtype()).isEqualTo("application/json");
			Map<String, Object> body = JsonMapper.builder().build().readValue(request.body(), new TypeReference<>() {
			});
			assertThat(body).isEqualTo(Map.of("phone", "+77771234567", "code", "123456", "text", MESSAGE.text()));
		});
	}

	@ParameterizedTest
	@ValueSource(ints = { 200, 201, 202, 204 })
	void everySuccessStatusMeansDelivered(int status) {
		this.provider.respond(request -> Reply.json(status, (status == 204) ? "" : "{\"id\":\"42\"}"));

		StepVerifier.create(sender(this.provider.url()).send(MESSAGE)).verifyComplete();
	}

	@Test
	void garbageBodyWithSuccessStatusStillMeansDelivered() {
		this.provider.respond(request -> Reply.garbage(200));

		StepVerifier.create(sender(this.provider.url()).send(MESSAGE)).verifyComplete();
	}

	@ParameterizedTest
	@ValueSource(ints = { 400, 401, 404, 429, 500, 502, 503 })
	void otherStatusesFailNamingOnlyTheStatus(int status) {
		this.provider.respond(request -> Reply.json(status, "{\"error\":\"nope\"}"));

		StepVerifier.create(sender(this.provider.url()).send(MESSAGE))
			.expectErrorSatisfies(error -> assertThat(error).isInstanceOfSatisfying(SmsDeliveryException.class,
					failure -> {
						assertThat(failure.status().value()).isEqualTo(status);
						assertThat(failure.getMessage()).contains(Integer.toString(status))
							.doesNotContain("123456")
							.doesNotContain("7771234567");
					}))
			.verify(Duration.ofSeconds(5));
	}

	@Test
	void garbageBodyWithServerErrorFails() {
		this.provider.respond(request -> Reply.garbage(500));

		StepVerifier.create(sender(this.provider.url()).send(MESSAGE))
			.expectError(SmsDeliveryException.class)
			.verify(Duration.ofSeconds(5));
	}

	@Test
	void connectionFailurePropagatesAsItIs() {
		StepVerifier.create(sender("http://127.0.0.1:" + closedPort()).send(MESSAGE))
			.expectErrorSatisfies(error -> assertThat(error).hasRootCauseInstanceOf(ConnectException.class))
			.verify(Duration.ofSeconds(5));
	}

	@Test
	void nothingIsSentUntilSubscribed() {
		sender(this.provider.url()).send(MESSAGE);

		assertThat(this.provider.requests()).isEmpty();
	}

	static WebhookSmsSender sender(String url) {
		return new WebhookSmsSender(webClient(), URI.create(url));
	}

	static WebClient webClient() {
		HttpClient http = HttpClient.create().option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 1000);
		return WebClient.builder().clientConnector(new ReactorClientHttpConnector(http)).build();
	}

	static int closedPort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
