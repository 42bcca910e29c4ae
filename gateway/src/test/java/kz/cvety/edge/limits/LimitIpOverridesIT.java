package kz.cvety.edge.limits;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.edge.support.SmsGateway;
import kz.cvety.otp.testing.TestRedis;

import static kz.cvety.edge.support.OtpApi.forwardedFor;
import static kz.cvety.edge.support.OtpApi.newPhone;
import static kz.cvety.edge.support.OtpApi.requestOtp;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Networks with per-IP limits of their own: an office NAT gets a larger send budget, a monitoring address none,
 * the most specific network wins, the refusal names the network, and the per-phone and range limits still hold.
 */
@ExtendWith(OutputCaptureExtension.class)
class LimitIpOverridesIT {

	@RegisterExtension
	static final SmsGateway otp = SmsGateway.withSettings(Map.of("cvety.otp.trusted-proxy-hops", "1",
			"cvety.otp.limits.send-per-ip", "2/1h",
			"cvety.otp.limits.ip-overrides[0].network", "203.0.113.0/24",
			"cvety.otp.limits.ip-overrides[0].send-per-ip", "5/1h",
			"cvety.otp.limits.ip-overrides[1].network", "203.0.113.7/32",
			"cvety.otp.limits.ip-overrides[1].send-per-ip", "",
			"cvety.otp.limits.ip-overrides[2].network", "2001:db8:1::/48",
			"cvety.otp.limits.ip-overrides[2].send-per-ip", "3/1h"));

	@Test
	void anAddressInAnOverriddenNetworkHasItsNetworksLimitAndTheRefusalNamesTheNetwork() {
		assertThat(sends("203.0.113.20", 5)).isEqualTo(5);

		Answer refused = requestOtp(otp.url(), newPhone(), forwardedFor("203.0.113.20"));
		assertThatProblem(refused).isRateLimitedBy("send-per-ip");
		assertThat(refused.body().path("network").asString()).isEqualTo("203.0.113.0/24");
		assertThat(refused.body().path("detail").asString()).contains("send-per-ip of network 203.0.113.0/24");
		assertThat(refused.header("RateLimit-Limit")).isEqualTo("5");
	}

	@Test
	void anAddressOutsideEveryNetworkKeepsTheDefault() {
		assertThat(sends("198.51.100.20", 5)).isEqualTo(2);
		Answer refused = requestOtp(otp.url(), newPhone(), forwardedFor("198.51.100.20"));
		assertThatProblem(refused).isRateLimitedBy("send-per-ip");
		assertThat(refused.body().has("network")).isFalse();
	}

	@Test
	void theMostSpecificNetworkWinsAndAnEmptyListExemptsItFromThePerIpLimitOnly() {
		assertThat(sends("203.0.113.7", 12)).as("exempt from send-per-ip (2/1h and the /24's 5/1h)").isEqualTo(12);

		String phone = newPhone();
		for (int i = 0; i < 10; i++) {
			assertThat(requestOtp(otp.url(), phone, forwardedFor("203.0.113.7")).status()).isEqualTo(200);
		}
		Answer perPhone = requestOtp(otp.url(), phone, forwardedFor("203.0.113.7"));
		assertThatProblem(perPhone).as("the per-phone limit still holds").isRateLimitedBy("send-per-phone");
	}

	@Test
	void anIpv6NetworkCoversItsClients() {
		assertThat(sends("2001:db8:1:2::a", 2)).isEqualTo(2);
		assertThat(sends("2001:db8:1:3::b", 2)).as("another /64 of the same /48: its own bucket, same limit")
			.isEqualTo(2);
		assertThat(sends("2001:db8:1:2::c", 3)).as("the first /64's third send under 3/1h, then refused")
			.isEqualTo(1);
	}

	@ParameterizedTest
	@ValueSource(strings = { "203.0.113.0/33", "203.0.113.0", "not-a-network/8", "2001:db8::/129" })
	void aNetworkThatIsNotCidrStopsStartUpNamingTheEntry(String network, CapturedOutput output) {
		Map<String, String> settings = new LinkedHashMap<>(GatewayInstance.defaults(otp.sms().url(), TestRedis.uniquePrefix()));
		settings.put("cvety.otp.limits.ip-overrides[0].network", network);
		settings.put("cvety.otp.limits.ip-overrides[0].send-per-ip", "5/1h");
		assertThatThrownBy(() -> GatewayInstance.start(settings).close()).isInstanceOf(RuntimeException.class);

		assertThat(output).contains("cvety.otp.limits.ip-overrides[0].network: '" + network
				+ "' is not a network in CIDR notation");
	}

	/** Sends {@code count} codes to new phones from {@code address}; returns how many were admitted. */
	private static long sends(String address, int count) {
		long admitted = 0;
		for (int i = 0; i < count; i++) {
			Answer answer = requestOtp(otp.url(), newPhone(), forwardedFor(address));
			assertThat(answer.status()).as(answer.toString()).isIn(200, 429);
			if (answer.status() == 200) {
				admitted++;
			}
		}
		return admitted;
	}

}
