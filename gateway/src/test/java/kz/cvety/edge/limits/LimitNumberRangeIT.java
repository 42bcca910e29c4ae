package kz.cvety.edge.limits;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.edge.support.RedisContents;
import kz.cvety.edge.support.SmsGateway;
import kz.cvety.otp.testing.TestRedis;

import static kz.cvety.edge.support.OtpApi.forwardedFor;
import static kz.cvety.edge.support.OtpApi.requestOtp;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code send-per-prefix} on a real gateway with the shipped defaults ({@code [30/1h]}, ranges of 10,000
 * numbers): an SMS pumping ring that walks one range from ever-changing client IPs is stopped at that range,
 * long before the fleet's budget; numbers of other ranges still get their codes.
 */
class LimitNumberRangeIT {

	// The pumping guard would stop this never-verifying ring first: it has a test of its own.
	@RegisterExtension
	static final SmsGateway otp = SmsGateway
		.withSettings(Map.of("cvety.otp.trusted-proxy-hops", "1", "cvety.otp.pumping.enabled", "false"));

	@Test
	void aRingWalkingOneRangeFromRotatingIpsIsStoppedAtTheRangeWhileOtherRangesGetCodes() {
		List<Answer> answers = new ArrayList<>();
		for (int i = 0; i < 40; i++) {
			answers.add(requestOtp(otp.url(), String.format("+7701555%04d", i), forwardedFor("203.0.113." + (i + 1))));
		}

		assertThat(answers.subList(0, 30)).allSatisfy(answer -> assertThat(answer.status()).as(answer.toString()).isEqualTo(200));
		assertThat(answers.subList(30, 40)).allSatisfy(answer -> {
			// Greedy refill of 30 an hour: a number of the range is admitted again two minutes on, not sooner.
			assertThatProblem(answer).isRateLimitedBy("send-per-prefix").hasRetryAfterBetween(90, 120);
			assertThat(answer.hasRateLimitHeaders()).isTrue();
		});
		assertThat(answers.get(30).header("RateLimit-Limit")).isEqualTo("30");
		assertThat(answers.get(30).header("RateLimit-Remaining")).isEqualTo("0");
		assertThat(otp.sms().count()).isEqualTo(30);

		Answer neighbour = requestOtp(otp.url(), "+77015560100", forwardedFor("203.0.113.200"));
		assertThat(neighbour.status()).as(neighbour.toString()).isEqualTo(200);
		Answer sameIpOtherRange = requestOtp(otp.url(), "+77775550100", forwardedFor("203.0.113.40"));
		assertThat(sameIpOtherRange.status()).as(sameIpOtherRange.toString()).isEqualTo(200);
	}

	@Test
	void aSendRefusedAtItsRangeTakesNoTokenOfThePerIpOrGlobalLimits() {
		try (BucketProbe probe = new BucketProbe(TestRedis.url(), otp.keyPrefix())) {
			for (int i = 0; i < 30; i++) {
				assertThat(requestOtp(otp.url(), String.format("+7708555%04d", i), forwardedFor("198.51.100.1")).status())
					.isEqualTo(200);
			}

			Answer refused = requestOtp(otp.url(), "+77085559999", forwardedFor("198.51.100.77"));

			assertThatProblem(refused).isRateLimitedBy("send-per-prefix");
			// The range is asked before the client IP and the global budget: a range refusal never reaches them.
			assertThat(probe.availableTokens(probe.keys().sendPerIp("198.51.100.77"))).as("per-IP bucket").isEmpty();
			assertThat(probe.availableTokens(probe.keys().sendPerPhone("+77085559999"))).as("per-phone token refunded")
				.contains(10L);
		}
	}

	@Test
	void aRangeBucketIsKeyedByAHashOfTheRangeOnItsOwnHashTagWithATtl() {
		assertThat(requestOtp(otp.url(), "+77475553344", forwardedFor("192.0.2.9")).status()).isEqualTo(200);
		try (BucketProbe probe = new BucketProbe(TestRedis.url(), otp.keyPrefix());
				RedisContents redis = RedisContents.connect()) {
			String key = probe.keys().sendPerPrefix("+7747555");

			assertThat(redis.keys(otp.keyPrefix() + "prefix:*")).contains(key)
				.allSatisfy(stored -> assertThat(stored).matches(".*prefix:\\{[0-9a-f]{24}\\}:send").doesNotContain("7747555"));
			assertThat(redis.pttl(key)).as("TTL of %s", key).isPositive();
		}
	}

}
