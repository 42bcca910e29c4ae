package kz.cvety.otp.sms;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Posts {@code {"phone":..., "code":..., "text":...}} as JSON to an SMS provider's webhook. Any 2xx means
 * delivered, whatever the body; any other status fails with {@link SmsDeliveryException}; connection errors
 * pass through unchanged, so {@link ResilientSmsSender} can tell them apart.
 */
public final class WebhookSmsSender implements SmsSender {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final WebClient webClient;

	private final URI url;

	public WebhookSmsSender(WebClient webClient, URI url) {
		this.webClient = Objects.requireNonNull(webClient, "webClient");
		this.url = Objects.requireNonNull(url, "url");
	}

	@Override
	public Mono<Void> send(SmsMessage message) {
		return this.webClient.post()
			.uri(this.url)
			.contentType(MediaType.APPLICATION_JSON)
			// Bytes, not the map: Spring's JSON encoder logs the value it encodes at DEBUG, code and phone included.
			.bodyValue(JSON.writeValueAsBytes(body(message)))
			.exchangeToMono(response -> {
				// The body is drained, never parsed: a provider's 2xx with any body at all means accepted. A send
				// cancelled meanwhile (the client went away) has had its body released already; releasing it again
				// fails, and that failure, with no one left to hear it, would be logged at ERROR as dropped.
				Mono<Void> drained = response.releaseBody().onErrorResume(ex -> Mono.empty());
				if (response.statusCode().is2xxSuccessful()) {
					return drained;
				}
				return drained.then(Mono.error(new SmsDeliveryException(response.statusCode())));
			});
	}

	private static Map<String, String> body(SmsMessage message) {
		Map<String, String> body = new LinkedHashMap<>();
		body.put("phone", message.phone());
		body.put("code", message.code());
		body.put("text", message.text());
		return body;
	}

	@Override
	public String toString() {
		// Host and port only: user info and query strings often carry the provider's credentials.
		String port = (this.url.getPort() != -1) ? ":" + this.url.getPort() : "";
		return "WebhookSmsSender[" + this.url.getScheme() + "://" + this.url.getHost() + port + "]";
	}

}
