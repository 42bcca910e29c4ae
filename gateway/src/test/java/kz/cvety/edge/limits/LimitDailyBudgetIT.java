package kz.cvety.edge.limits;

import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi;
import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.edge.support.SmsSink;

import static kz.cvety.edge.support.OtpApi.forwardedFor;
import static kz.cvety.edge.support.OtpApi.newPhone;
import static kz.cvety.edge.support.OtpApi.requestOtp;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A limit list with a daily figure caps the bill: {@code [100/1m, 3/1d]} refuses the fourth code of the day,
 * though the minute's figure is far from reached, and says honestly how long until the next one.
 */
class LimitDailyBudgetIT {

	static SmsSink sms;

	@BeforeAll
	static void start() {
		OtpApi.warmUpJvm();
		sms = new SmsSink();
	}

	@AfterAll
	static void stop() {
		sms.close();
	}

	@Test
	void theGlobalBudgetRefusesAtItsDailyFigure() {
		try (GatewayInstance gateway = GatewayInstance.start(sms.url(),
				Map.of("cvety.otp.trusted-proxy-hops", "1", "cvety.otp.limits.send-global", "100/1m,3/1d"))) {
			for (int i = 0; i < 3; i++) {
				Answer sent = requestOtp(gateway.url(), newPhone(), forwardedFor("203.0.113." + (i + 1)));
				assertThat(sent.status()).as(sent.toString()).isEqualTo(200);
			}

			Answer refused = requestOtp(gateway.url(), newPhone(), forwardedFor("203.0.113.4"));

			assertDailyRefusal(refused, "send-global");
		}
	}

	@Test
	void thePerIpLimitRefusesAtItsDailyFigureWhileOtherAddressesGetCodes() {
		try (GatewayInstance gateway = GatewayInstance.start(sms.url(),
				Map.of("cvety.otp.trusted-proxy-hops", "1", "cvety.otp.limits.send-per-ip", "100/1m,3/1d"))) {
			for (int i = 0; i < 3; i++) {
				assertThat(requestOtp(gateway.url(), newPhone(), forwardedFor("198.51.100.1")).status()).isEqualTo(200);
			}

			assertDailyRefusal(requestOtp(gateway.url(), newPhone(), forwardedFor("198.51.100.1")), "send-per-ip");
			assertThat(requestOtp(gateway.url(), newPhone(), forwardedFor("198.51.100.2")).status()).isEqualTo(200);
		}
	}

	/** Refused by {@code limit}; greedy refill of 3 a day gives one code back every 8 hours. */
	private static void assertDailyRefusal(Answer refused, String limit) {
		assertThatProblem(refused).isRateLimitedBy(limit).hasRetryAfterBetween(8 * 3600L - 120, 8 * 3600L);
		assertThat(refused.header("RateLimit-Limit")).isEqualTo("3");
		assertThat(refused.header("RateLimit-Remaining")).isEqualTo("0");
	}

}
