package kz.cvety.edge.hostile;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import kz.cvety.edge.hostile.RawHttp.Response;
import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.SmsSink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One real gateway for a class of hostile-input properties, with a control phone that holds a live, unused
 * code: what the properties must never spend, replace or verify.
 */
final class HostileGateway implements AutoCloseable {

	static final String REQUEST_OTP = "/api/auth/request-otp";

	static final String VERIFY_OTP = "/api/auth/verify-otp";

	/** The phone whose live code every hostile request aims at. */
	static final String CONTROL_PHONE = "+77015550123";

	/**
	 * A shared CI machine under load can take longer than the default 500 ms for a Redis step; these tests are
	 * about input, not timeouts (those have their own tests), so they give Redis seconds, not a 503.
	 */
	static final Map<String, String> PATIENT_REDIS = Map.of("cvety.otp.redis.command-timeout", "5s",
			"spring.data.redis.timeout", "5s");

	final SmsSink sms;

	final GatewayInstance gateway;

	final RawHttp http;

	final StateWitness witness;

	String controlCode;

	private HostileGateway(Map<String, String> overrides) {
		this.sms = new SmsSink();
		Map<String, String> settings = new LinkedHashMap<>();
		settings.put("cvety.otp.ttl", "15m");
		settings.putAll(PATIENT_REDIS);
		settings.putAll(overrides);
		this.gateway = GatewayInstance.start(this.sms.url(), settings);
		this.http = new RawHttp(this.gateway.port());
		// The first requests of a fresh JVM may pay class loading inside the Redis command timeout.
		this.witness = new StateWitness(this.gateway, this.sms, CONTROL_PHONE);
		issueControlCode();
	}

	private void issueControlCode() {
		await().atMost(Duration.ofSeconds(30))
			.until(() -> this.http.postJson(REQUEST_OTP, body(CONTROL_PHONE)).status() == 200);
		this.controlCode = this.sms.lastCode(CONTROL_PHONE);
		this.witness.snapshot();
	}

	/**
	 * Before each property: if an earlier property changed the state (and failed for it), a fresh control code
	 * and snapshot, so that one failure does not fail every property after it.
	 */
	void restoreIfChanged() {
		if (!this.witness.isUnchanged()) {
			issueControlCode();
		}
	}

	static HostileGateway start(Map<String, String> overrides) {
		return new HostileGateway(overrides);
	}

	/** Takes the snapshot again, after a test's own set-up changed the state on purpose. */
	void resnapshot() {
		this.witness.snapshot();
	}

	/** A code of the control code's length that is not the control code. */
	String wrongCode() {
		return this.controlCode.equals("000000") ? "111111" : "000000";
	}

	/** Nothing changed: no key, no SMS, no attempt of the control code. */
	void assertUnchanged(Object input) {
		this.witness.assertUnchanged(input);
	}

	/**
	 * Proves the control code still has every attempt: {@code maxAttempts - 1} wrong guesses are told how many
	 * remain, then the right code verifies.
	 */
	void assertControlCodeHasAllAttempts(int maxAttempts) {
		String wrong = wrongCode();
		for (int used = 1; used < maxAttempts; used++) {
			Response answer = this.http.postJson(VERIFY_OTP, body(CONTROL_PHONE, wrong));
			assertThat(answer.json().path("attempts_remaining").asInt()).as("after %d wrong guesses", used)
				.isEqualTo(maxAttempts - used);
		}
		Response verified = this.http.postJson(VERIFY_OTP, body(CONTROL_PHONE, this.controlCode));
		assertThat(verified.status()).as("the control code verifies: %s", verified).isEqualTo(200);
	}

	/**
	 * The end of every hostile suite: nothing any property tried changed the state, the control code still has
	 * every attempt; then everything is shut down, whatever the checks found.
	 */
	void proveUntouchedAndClose(int maxAttempts) {
		try {
			assertUnchanged("all properties");
			assertControlCodeHasAllAttempts(maxAttempts);
		}
		finally {
			close();
		}
	}

	static byte[] body(String phone) {
		return ("{\"phone\":" + Hostile.quote(phone) + "}").getBytes(StandardCharsets.UTF_8);
	}

	static byte[] body(String phone, String code) {
		return ("{\"phone\":" + Hostile.quote(phone) + ",\"otp_code\":" + Hostile.quote(code) + "}")
			.getBytes(StandardCharsets.UTF_8);
	}

	@Override
	public void close() {
		this.witness.close();
		this.gateway.close();
		this.sms.close();
	}

}
