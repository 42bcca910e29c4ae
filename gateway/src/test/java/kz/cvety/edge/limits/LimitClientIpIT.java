package kz.cvety.edge.limits;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi;
import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.edge.support.SmsSink;

import static kz.cvety.edge.support.OtpApi.concurrently;
import static kz.cvety.edge.support.OtpApi.newPhone;
import static kz.cvety.edge.support.OtpApi.requestOtp;
import static kz.cvety.edge.support.OtpApi.requestOtpAsync;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the per-IP limit keys on: the connection's peer, or with trusted proxies the {@code X-Forwarded-For}
 * entry the nearest trusted proxy appended; never a value the client chose.
 */
class LimitClientIpIT {

	static SmsSink sms;

	static GatewayInstance direct;

	static GatewayInstance behindProxy;

	@BeforeAll
	static void start() {
		OtpApi.warmUpJvm();
		sms = new SmsSink();
		direct = GatewayInstance.start(sms.url(), Map.of());
		behindProxy = GatewayInstance.start(sms.url(),
				Map.of("cvety.otp.trusted-proxy-hops", "1", "cvety.otp.limits.send-per-ip", "3/1m"));
		// Sends through the proxied instance warm the shared code up without spending the direct client's tokens.
		OtpApi.warmUp(behindProxy.url(), 3, Map.of("X-Forwarded-For", "10.0.0.250"));
		OtpApi.warmUp(direct.url(), 0, Map.of());
	}

	@AfterAll
	static void stop() {
		behindProxy.close();
		direct.close();
		sms.close();
	}

	@Test
	void withNoTrustedProxyAClientRotatingXForwardedForStillHitsOnePerIpBucket() {
		List<String> phones = IntStream.range(0, 40).mapToObj(i -> newPhone()).toList();

		List<Answer> answers = concurrently(40, i -> requestOtpAsync(direct.url(), phones.get(i),
				Map.of("X-Forwarded-For", "203.0.113." + i, "X-Real-IP", "198.51.100." + i, "Forwarded", "for=192.0.2." + i)));

		assertThat(answers).filteredOn(answer -> answer.status() == 200).hasSize(30);
		assertThat(answers).filteredOn(answer -> answer.status() != 200)
			.hasSize(10)
			.allSatisfy(answer -> assertThatProblem(answer).isRateLimitedBy("send-per-ip"));
	}

	@Test
	void withOneTrustedProxyTheRightMostXForwardedForEntryIsTheClient() {
		// The client may write anything in front; the proxy appends the address it saw, and only that counts.
		for (int i = 0; i < 3; i++) {
			Answer admitted = requestOtp(behindProxy.url(), newPhone(), Map.of("X-Forwarded-For", "6.6.6." + i + ", 10.9.0.1"));
			assertThat(admitted.status()).isEqualTo(200);
		}
		Answer spoofed = requestOtp(behindProxy.url(), newPhone(), Map.of("X-Forwarded-For", "7.7.7.7, 10.9.0.1"));
		assertThatProblem(spoofed).isRateLimitedBy("send-per-ip");

		assertThat(requestOtp(behindProxy.url(), newPhone(), Map.of("X-Forwarded-For", "10.9.0.2")).status()).isEqualTo(200);
		assertThat(requestOtp(behindProxy.url(), newPhone(), Map.of("X-Forwarded-For", "10.9.0.1, 10.9.0.3")).status()).isEqualTo(200);
	}

	@Test
	void withOneTrustedProxyTheRightMostEntryOfAllXForwardedForLinesIsTheClient() {
		// The client sends a line of its own; the proxy adds the address it saw on another line.
		for (int i = 0; i < 3; i++) {
			Answer admitted = requestOtp(behindProxy.url(), newPhone(),
					List.of(Map.entry("X-Forwarded-For", "6.6.6." + i + ", 7.7.7.7"),
							Map.entry("X-Forwarded-For", "10.9.1.1")));
			assertThat(admitted.status()).isEqualTo(200);
		}
		Answer spoofed = requestOtp(behindProxy.url(), newPhone(),
				List.of(Map.entry("X-Forwarded-For", "8.8.8.8"), Map.entry("X-Forwarded-For", "10.9.1.1")));
		assertThatProblem(spoofed).isRateLimitedBy("send-per-ip");

		assertThat(requestOtp(behindProxy.url(), newPhone(),
				List.of(Map.entry("X-Forwarded-For", "10.9.1.1"), Map.entry("X-Forwarded-For", "10.9.1.2"))).status())
			.isEqualTo(200);
	}

}
