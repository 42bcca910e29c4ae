package kz.cvety.edge.support;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import kz.cvety.otp.testing.HttpStub;
import kz.cvety.otp.testing.HttpStub.Recorded;
import kz.cvety.otp.testing.HttpStub.Reply;

/**
 * The SMS provider's webhook, as a real HTTP server on loopback: records every SMS the gateway sends, so tests
 * can log in with the real code.
 */
public final class SmsSink implements AutoCloseable {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final HttpStub stub = HttpStub.start();

	public String url() {
		return this.stub.url() + "/sms";
	}

	/** Every SMS received, oldest first. */
	public List<Sms> messages() {
		return this.stub.requests().stream().map(SmsSink::parse).toList();
	}

	/** The SMS sent to {@code phone} most recently. */
	public Optional<Sms> last(String phone) {
		List<Sms> all = messages();
		for (int i = all.size() - 1; i >= 0; i--) {
			if (all.get(i).phone().equals(phone)) {
				return Optional.of(all.get(i));
			}
		}
		return Optional.empty();
	}

	/** The code sent to {@code phone} most recently; fails if none was sent. */
	public String lastCode(String phone) {
		return last(phone).orElseThrow(() -> new AssertionError("no SMS was sent to " + phone)).code();
	}

	public int count() {
		return this.stub.requests().size();
	}

	/** How the provider answers from now on (default: 200). */
	public SmsSink respond(Function<Recorded, Reply> responder) {
		this.stub.respond(responder);
		return this;
	}

	public void reset() {
		this.stub.reset();
		this.stub.respond(request -> Reply.json(200, "{\"ok\":true}"));
	}

	@Override
	public void close() {
		this.stub.close();
	}

	private static Sms parse(Recorded request) {
		JsonNode body = JSON.readTree(request.body());
		return new Sms(body.path("phone").asString(), body.path("code").asString(), body.path("text").asString());
	}

	/** One SMS as the provider received it. */
	public record Sms(String phone, String code, String text) {
	}

}
