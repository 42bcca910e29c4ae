package kz.cvety.edge.limits;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi;
import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.edge.support.SmsSink;

import static kz.cvety.edge.support.OtpApi.newPhone;
import static kz.cvety.edge.support.OtpApi.requestOtp;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Where Spring Boot detects a cloud platform, or forwarded-header handling is turned on, the per-IP limit still
 * keys on the connection's peer and the trusted {@code X-Forwarded-For} entries alone, never on an address the
 * client wrote; IPv6 clients share a bucket per /64.
 */
@ExtendWith(OutputCaptureExtension.class)
class LimitClientIpOnPlatformsIT {

	static SmsSink sms;

	/** On a detected Kubernetes, with no trusted proxy: five sends per client. */
	static GatewayInstance kubernetes;

	/** On a detected Kubernetes with Reactor Netty's forwarded headers turned on, behind two proxies. */
	static GatewayInstance forwarding;

	@BeforeAll
	static void start() {
		OtpApi.warmUpJvm();
		sms = new SmsSink();
		kubernetes = GatewayInstance.start(sms.url(),
				Map.of("spring.main.cloud-platform", "kubernetes", "cvety.otp.limits.send-per-ip", "5/1m"));
		forwarding = GatewayInstance.start(sms.url(), Map.of("spring.main.cloud-platform", "kubernetes",
				"server.forward-headers-strategy", "native", "cvety.otp.trusted-proxy-hops", "2",
				"cvety.otp.limits.send-per-ip", "3/1m"));
		OtpApi.warmUp(kubernetes.url(), 0, Map.of());
		OtpApi.warmUp(forwarding.url(), 0, Map.of());
	}

	@AfterAll
	static void stop() {
		forwarding.close();
		kubernetes.close();
		sms.close();
	}

	@Test
	void onKubernetesRotatingForwardedHeadersFromOneHostHitOnePerIpBucket() {
		assertOneBucketOfFive(kubernetes.url());
	}

	@Test
	void overIpv6TheConnectionsPeerIsTheClientToo() {
		assertOneBucketOfFive("http://[::1]:" + kubernetes.port());
	}

	@Test
	void withTwoTrustedProxiesTheSecondEntryFromTheRightOfAllXForwardedForLinesIsTheClient() {
		for (int i = 0; i < 3; i++) {
			Answer admitted = requestOtp(forwarding.url(), newPhone(), xff("6.6.6." + i + ", 203.0.113.7", "10.0.0.1"));
			assertThat(admitted.status()).isEqualTo(200);
		}
		assertThatProblem(requestOtp(forwarding.url(), newPhone(), xff("7.7.7.7", "203.0.113.7, 10.0.0.2")))
			.isRateLimitedBy("send-per-ip");

		assertThat(requestOtp(forwarding.url(), newPhone(), xff("203.0.113.7, 203.0.113.8", "10.0.0.1")).status())
			.isEqualTo(200);
	}

	@Test
	void ipv6ClientsBehindTrustedProxiesShareABucketPerSlash64() {
		for (String client : List.of("2001:db8:1:2::a", "[2001:db8:1:2:ffff::b]:4711", "2001:db8:1:2:1:2:3:4")) {
			assertThat(requestOtp(forwarding.url(), newPhone(), xff("6.6.6.6, " + client + ", 10.0.0.1")).status())
				.as(client)
				.isEqualTo(200);
		}
		assertThatProblem(requestOtp(forwarding.url(), newPhone(), xff("2001:db8:1:2::ffff, 10.0.0.1")))
			.isRateLimitedBy("send-per-ip");

		assertThat(requestOtp(forwarding.url(), newPhone(), xff("2001:db8:1:3::a, 10.0.0.1")).status()).isEqualTo(200);
	}

	@ParameterizedTest
	@ValueSource(strings = { "0", "129" })
	void anIpv6PrefixLengthOutOfRangeStopsStartUpNamingTheKey(String prefixLength, CapturedOutput output) {
		assertThatThrownBy(() -> GatewayInstance.start(sms.url(), Map.of("cvety.otp.ipv6-prefix-length", prefixLength))
			.close()).isInstanceOf(RuntimeException.class);

		assertThat(output).contains("APPLICATION FAILED TO START")
			// Text or JSON lines, whichever format an earlier gateway in this JVM left the logging system in.
			.containsPattern("\\\\?\"cvety\\.otp\\.ipv6-prefix-length\\\\?\" from property source")
			.contains("must be an IPv6 prefix length from 1 to 128");
	}

	/** Five sends admitted and the rest refused, though each names another client in every header there is. */
	private static void assertOneBucketOfFive(String baseUrl) {
		for (int i = 0; i < 12; i++) {
			List<Map.Entry<String, String>> spoofed = switch (i % 4) {
				case 0 -> List.of(Map.entry("X-Forwarded-For", "203.0.113." + i));
				case 1 -> List.of(Map.entry("Forwarded", "for=192.0.2." + i));
				case 2 -> List.of(Map.entry("Forwarded", "for=\"[2001:db8::" + i + "]\";proto=https"),
						Map.entry("X-Forwarded-For", "203.0.113." + i));
				default -> List.of(Map.entry("X-Forwarded-For", "198.51.100." + i + ", 203.0.113." + i),
						Map.entry("X-Real-IP", "198.51.100." + i));
			};
			Answer answer = requestOtp(baseUrl, newPhone(), spoofed);
			if (i < 5) {
				assertThat(answer.status()).as("send %d with %s", i, spoofed).isEqualTo(200);
			}
			else {
				assertThatProblem(answer).isRateLimitedBy("send-per-ip");
			}
		}
	}

	private static List<Map.Entry<String, String>> xff(String... lines) {
		return List.of(lines).stream().map(line -> Map.entry("X-Forwarded-For", line)).toList();
	}

}
