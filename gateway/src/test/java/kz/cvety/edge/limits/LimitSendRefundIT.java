package kz.cvety.edge.limits;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi;
import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.edge.support.SmsSink;
import kz.cvety.otp.testing.HttpStub;
import kz.cvety.otp.testing.HttpStub.Recorded;
import kz.cvety.otp.testing.HttpStub.Reply;
import kz.cvety.otp.testing.TestRedis;

import static kz.cvety.edge.support.OtpApi.newPhone;
import static kz.cvety.edge.support.OtpApi.requestOtp;
import static kz.cvety.edge.support.OtpApi.verify;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A failed send gives its send tokens back only when the SMS provider certainly received nothing: a send the
 * provider may have taken (slower than the SMS timeout, non-2xx, hung up) keeps its tokens spent and its code
 * valid, and says so in the 503; a refused connection is refunded and leaves no code.
 */
class LimitSendRefundIT {

	static final Duration SMS_TIMEOUT = Duration.ofMillis(500);

	static SmsSink sms;

	static GatewayInstance gateway;

	@BeforeAll
	static void start() {
		OtpApi.warmUpJvm();
		sms = new SmsSink();
		gateway = GatewayInstance.start(settings(sms.url()));
		OtpApi.warmUp(gateway.url(), 5, Map.of());
	}

	@AfterAll
	static void stop() {
		gateway.close();
		sms.close();
	}

	@BeforeEach
	void providerWorks() {
		sms.reset();
	}

	@ParameterizedTest
	@ValueSource(strings = { "slow", "500", "hang-up" })
	void unconfirmedSendsKeepTheirTokensSpentAndTheirCodeVerifies(String failure) {
		Function<Recorded, Reply> accepting = switch (failure) {
			case "slow" -> request -> Reply.json(200, "{\"ok\":true}").delayedBy(SMS_TIMEOUT.multipliedBy(3));
			case "500" -> request -> Reply.json(500, "{\"error\":\"down\"}");
			default -> request -> Reply.hangUp();
		};
		sms.respond(accepting);
		String phone = newPhone();

		for (int i = 0; i < 2; i++) {
			Answer unconfirmed = requestOtp(gateway.url(), phone);
			assertThatProblem(unconfirmed).hasStatus(503).hasCode("sms_unavailable").hasRetryAfterAtLeast(1);
			assertThat(unconfirmed.body().path("detail").asString()).contains("may still arrive")
				.contains("works until it expires");
		}
		Answer third = requestOtp(gateway.url(), phone);

		assertThatProblem(third).isRateLimitedBy("send-per-phone");
		assertThat(sms.messages()).filteredOn(message -> message.phone().equals(phone)).hasSize(2);
		Answer verified = verify(gateway.url(), phone, sms.lastCode(phone));
		assertThat(verified.status()).as(verified.toString()).isEqualTo(200);
		assertThat(verified.body().path("status").asString()).isEqualTo("verified");
	}

	@Test
	void refusedConnectionGivesEverySendItsTokensBackAndLeavesNoCode() {
		HttpStub closed = HttpStub.start();
		String nothingListening = closed.url() + "/sms";
		closed.close();
		Map<String, String> settings = settings(nothingListening);
		// Refused at once, whatever else the machine is doing: a time limit above the refusal and its one retry,
		// so no attempt can end as an ambiguous time-out instead.
		settings.put("cvety.otp.sms.timeout", "5s");
		settings.put("cvety.otp.sms.connect-timeout", "2s");
		try (GatewayInstance unreachable = GatewayInstance.start(settings);
				BucketProbe probe = new BucketProbe(TestRedis.url(), unreachable.keyPrefix())) {
			OtpApi.warmUp(unreachable.url(), 3, Map.of());
			String phone = newPhone();

			for (int i = 0; i < 4; i++) {
				Answer refused = requestOtp(unreachable.url(), phone);
				assertThatProblem(refused).as("send " + (i + 1)).hasStatus(503).hasCode("sms_unavailable");
				assertThat(refused.body().path("detail").asString())
					.isEqualTo("The SMS could not be sent; try again later.");
			}

			assertThatProblem(verify(unreachable.url(), phone, "000000")).hasStatus(401).hasCode("otp_expired");
			assertThat(probe.availableTokens(probe.keys().sendPerPhone(phone))).contains(2L);
		}
	}

	/**
	 * Two sends per phone an hour, the other send limits out of the way, a short SMS timeout, and a circuit
	 * breaker that stays closed, so every send reaches the provider.
	 */
	private static Map<String, String> settings(String smsUrl) {
		Map<String, String> settings = new LinkedHashMap<>(GatewayInstance.defaults(smsUrl, TestRedis.uniquePrefix()));
		settings.put("cvety.otp.limits.send-per-phone", "2/1h");
		settings.put("cvety.otp.limits.send-per-ip", "100000/1m");
		settings.put("cvety.otp.limits.send-global", "100000/1m");
		settings.put("cvety.otp.sms.timeout", SMS_TIMEOUT.toMillis() + "ms");
		settings.put("cvety.otp.sms.connect-timeout", "200ms");
		settings.put("cvety.otp.sms.failure-rate-threshold", "100");
		settings.put("cvety.otp.sms.sliding-window-size", "100");
		settings.put("cvety.otp.sms.minimum-number-of-calls", "100");
		return settings;
	}

}
