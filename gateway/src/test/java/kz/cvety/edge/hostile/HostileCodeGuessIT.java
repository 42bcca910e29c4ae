package kz.cvety.edge.hostile;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;

import kz.cvety.edge.hostile.RawHttp.Response;
import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.SmsSink;

import static kz.cvety.edge.hostile.HostileGateway.REQUEST_OTP;
import static kz.cvety.edge.hostile.HostileGateway.VERIFY_OTP;
import static kz.cvety.edge.support.OtpApi.checkToken;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * No debug bypass: against a live code, every other well-formed code is refused with 401 {@code otp_invalid}
 * (random ones, near misses one digit off, the seed backend's favourites such as 000000 and 123456, and a test
 * number's fixed code), each counting down the attempts; the issued code itself still verifies afterwards.
 * The attempt cap and failure budgets are raised so one code takes many guesses; they are tested elsewhere.
 */
class HostileCodeGuessIT {

	static final String PHONE = "+77015550200";

	static final String TEST_NUMBER = "+77010000000";

	static final String TEST_NUMBER_CODE = "123456";

	static final int MAX_ATTEMPTS = 20;

	static SmsSink sms;

	static GatewayInstance gateway;

	static RawHttp http;

	static String liveCode;

	static int remaining;

	static int wrongGuesses;

	@BeforeContainer
	static void start() {
		sms = new SmsSink();
		Map<String, String> settings = new HashMap<>(HostileGateway.PATIENT_REDIS);
		settings.putAll(Map.of("cvety.otp.max-attempts", String.valueOf(MAX_ATTEMPTS),
				"cvety.otp.limits.verify-failures-per-phone", "100000/1h", "cvety.otp.limits.verify-failures-per-ip",
				"100000/1h", "cvety.otp.limits.send-per-prefix", "1000/1h", "cvety.otp.limits.send-per-phone", "1000/1h",
				"cvety.otp.limits.send-per-ip", "1000/1m", "cvety.otp.test-numbers[" + TEST_NUMBER + "]",
				TEST_NUMBER_CODE, "cvety.otp.pumping.enabled", "false"));
		gateway = GatewayInstance.start(sms.url(), settings);
		http = new RawHttp(gateway.port());
		// The first requests of a fresh JVM may pay class loading inside the Redis command timeout.
		await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
			issue();
			return true;
		});
	}

	@AfterContainer
	static void stop() {
		System.out.printf("%d wrong well-formed codes refused, none verified%n", wrongGuesses);
		gateway.close();
		sms.close();
	}

	@Property(tries = 500)
	void noWellFormedCodeButTheIssuedOneVerifies(@ForAll("guesses") Guess guess) {
		String code = guess.against(liveCode);
		Assume.that(!code.equals(liveCode));
		Response answer = http.postJson(VERIFY_OTP, HostileGateway.body(PHONE, code));
		remaining--;
		assertThatProblem(answer).as("%s against a live code", code).hasStatus(401).hasCode("otp_invalid")
			.hasAttemptsRemaining(remaining);
		wrongGuesses++;
		if (remaining == 0) {
			issue();
		}
	}

	@AfterProperty
	void theIssuedCodeStillVerifies() {
		Response answer = http.postJson(VERIFY_OTP, HostileGateway.body(PHONE, liveCode));
		assertThat(answer.status()).as("the live code after the guesses: %s", answer).isEqualTo(200);
		checkToken(answer.json().path("verification_token").asString(), PHONE);
		issue();
	}

	@Provide
	Arbitrary<Guess> guesses() {
		Arbitrary<String> random = Arbitraries.strings().numeric().ofLength(6)
			.edgeCases(config -> config.add("000000", "111111", "999999", "123456", "654321", "000001", "012345",
					TEST_NUMBER_CODE));
		return Combinators.combine(random, Arbitraries.integers().between(0, 5), Arbitraries.integers().between(1, 9),
				Arbitraries.of(true, false))
			.as(Guess::new);
	}

	private static void issue() {
		Response sent = http.postJson(REQUEST_OTP, HostileGateway.body(PHONE));
		assertThat(sent.status()).as("code request: %s", sent).isEqualTo(200);
		liveCode = sms.lastCode(PHONE);
		remaining = MAX_ATTEMPTS;
	}

	/** A random code, or (near miss) the live code with one digit shifted by {@code delta}. */
	record Guess(String random, int position, int delta, boolean nearMiss) {

		String against(String live) {
			if (!this.nearMiss) {
				return this.random;
			}
			char shifted = (char) ('0' + (live.charAt(this.position) - '0' + this.delta) % 10);
			return live.substring(0, this.position) + shifted + live.substring(this.position + 1);
		}

	}

}
