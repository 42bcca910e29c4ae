package kz.cvety.edge.limits;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi;
import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.edge.support.SmsSink;
import kz.cvety.otp.testing.TestRedis;

import static kz.cvety.edge.support.OtpApi.concurrently;
import static kz.cvety.edge.support.OtpApi.newPhone;
import static kz.cvety.edge.support.OtpApi.requestOtp;
import static kz.cvety.edge.support.OtpApi.requestOtpAsync;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Send limits across a fleet: two real gateways share one Redis (same key prefix) and admit exactly each limit
 * between them, under concurrent bursts. The gateways sit behind one trusted proxy here, so each test is its
 * own client through {@code X-Forwarded-For}.
 */
class LimitScaleOutIT {

	static SmsSink sms;

	static GatewayInstance first;

	static GatewayInstance second;

	@BeforeAll
	static void startFleet() {
		OtpApi.warmUpJvm();
		sms = new SmsSink();
		String prefix = TestRedis.uniquePrefix();
		first = GatewayInstance.start(fleetSettings(prefix, Map.of()));
		second = GatewayInstance.start(fleetSettings(prefix, Map.of()));
		OtpApi.warmUp(first.url(), 5, Map.of("X-Forwarded-For", "10.0.0.250"));
		OtpApi.warmUp(second.url(), 5, Map.of("X-Forwarded-For", "10.0.0.251"));
	}

	@AfterAll
	static void stopFleet() {
		second.close();
		first.close();
		sms.close();
	}

	@Test
	void sixtyConcurrentSendsForOnePhoneSplitAcrossTwoGatewaysAdmitExactlyTen() {
		String phone = newPhone();
		Map<String, String> client = Map.of("X-Forwarded-For", "10.1.0.1");

		List<Answer> answers = concurrently(60,
				i -> requestOtpAsync(((i % 2 == 0) ? first : second).url(), phone, client));

		List<Answer> admitted = answers.stream().filter(answer -> answer.status() == 200).toList();
		List<Answer> refused = answers.stream().filter(answer -> answer.status() != 200).toList();
		assertThat(admitted).hasSize(10).allSatisfy(answer -> assertThat(answer.hasRateLimitHeaders()).isTrue());
		assertThat(refused).hasSize(50).allSatisfy(answer -> {
			assertThatProblem(answer).isRateLimitedBy("send-per-phone");
			assertThat(answer.hasRateLimitHeaders()).isTrue();
			assertThat(answer.header("RateLimit-Limit")).isEqualTo("10");
			assertThat(answer.header("RateLimit-Remaining")).isEqualTo("0");
		});
		assertThat(smsTo(Set.of(phone))).isEqualTo(10);
	}

	@Test
	void fortyPhonesFromOneClientSplitAcrossTwoGatewaysAdmitThePerIpLimitOfThirty() {
		Map<String, String> client = Map.of("X-Forwarded-For", "10.1.0.2");
		List<String> phones = IntStream.range(0, 40).mapToObj(i -> newPhone()).toList();

		List<Answer> answers = concurrently(40,
				i -> requestOtpAsync(((i % 2 == 0) ? first : second).url(), phones.get(i), client));

		assertThat(answers).filteredOn(answer -> answer.status() == 200).hasSize(30);
		assertThat(answers).filteredOn(answer -> answer.status() != 200).hasSize(10).allSatisfy(answer -> {
			assertThatProblem(answer).isRateLimitedBy("send-per-ip");
			assertThat(answer.header("RateLimit-Limit")).isEqualTo("30");
		});
		assertThat(smsTo(new HashSet<>(phones))).isEqualTo(30);
	}

	@Test
	void globalBudgetAdmitsExactlyItsCountAcrossTheFleetAndChargesNoOtherLimitWhenItRefuses() {
		String prefix = TestRedis.uniquePrefix();
		Map<String, String> tight = Map.of("cvety.otp.limits.send-global", "5/1m");
		try (GatewayInstance one = GatewayInstance.start(fleetSettings(prefix, tight));
				GatewayInstance two = GatewayInstance.start(fleetSettings(prefix, tight));
				BucketProbe probe = new BucketProbe(TestRedis.url(), prefix)) {
			OtpApi.warmUp(one.url(), 0, Map.of());
			OtpApi.warmUp(two.url(), 0, Map.of());
			List<String> phones = IntStream.range(0, 20).mapToObj(i -> newPhone()).toList();

			List<Answer> answers = concurrently(20, i -> requestOtpAsync(((i % 2 == 0) ? one : two).url(),
					phones.get(i), Map.of("X-Forwarded-For", "10.2.0." + i)));

			assertThat(answers).filteredOn(answer -> answer.status() == 200).hasSize(5);
			assertThat(answers).filteredOn(answer -> answer.status() != 200)
				.hasSize(15)
				.allSatisfy(answer -> assertThatProblem(answer).isRateLimitedBy("send-global"));
			assertThat(smsTo(new HashSet<>(phones))).isEqualTo(5);
			for (int i = 0; i < 20; i++) {
				if (answers.get(i).status() == 429) {
					// Refused by the last limit: the phone's and the client's tokens were given back. A refusal the
					// instance already knew of (cached) asked no bucket at all: no bucket is as good as a full one.
					assertThat(probe.availableTokens(probe.keys().sendPerPhone(phones.get(i))).orElse(10L)).isEqualTo(10L);
					assertThat(probe.availableTokens(probe.keys().sendPerIp("10.2.0." + i)).orElse(30L)).isEqualTo(30L);
				}
			}
		}
	}

	@Test
	void refusedSendTakesNoTokenOfAnotherLimitAndSendsNoSms() {
		String prefix = TestRedis.uniquePrefix();
		Map<String, String> tight = Map.of("cvety.otp.limits.send-per-phone", "1/1m", "cvety.otp.limits.send-per-ip",
				"5/1m");
		try (GatewayInstance gateway = GatewayInstance.start(fleetSettings(prefix, tight))) {
			OtpApi.warmUp(gateway.url(), 0, Map.of());
			List<String> phones = IntStream.range(0, 8).mapToObj(i -> newPhone()).toList();
			Map<String, String> clientX = Map.of("X-Forwarded-For", "10.3.0.1");

			List<Answer> fromX = concurrently(8, i -> requestOtpAsync(gateway.url(), phones.get(i), clientX));

			assertThat(fromX).filteredOn(answer -> answer.status() == 200).hasSize(5);
			assertThat(fromX).filteredOn(answer -> answer.status() == 429).hasSize(3)
				.allSatisfy(answer -> assertThatProblem(answer).isRateLimitedBy("send-per-ip"));
			List<String> refusedPhones = IntStream.range(0, 8)
				.filter(i -> fromX.get(i).status() == 429)
				.mapToObj(phones::get)
				.toList();
			String admittedPhone = phones.get(IntStream.range(0, 8).filter(i -> fromX.get(i).status() == 200).findFirst().orElseThrow());

			// The per-IP refusals took no per-phone token: another client gets those phones their one code each.
			Map<String, String> clientY = Map.of("X-Forwarded-For", "10.3.0.2");
			assertThat(refusedPhones).allSatisfy(phone -> assertThat(requestOtp(gateway.url(), phone, clientY).status()).isEqualTo(200));

			// Per-phone refusals take no per-IP token: after ten of them client Z still has all five.
			Map<String, String> clientZ = Map.of("X-Forwarded-For", "10.3.0.3");
			for (int i = 0; i < 10; i++) {
				assertThatProblem(requestOtp(gateway.url(), admittedPhone, clientZ)).isRateLimitedBy("send-per-phone");
			}
			for (int i = 0; i < 5; i++) {
				assertThat(requestOtp(gateway.url(), newPhone(), clientZ).status()).isEqualTo(200);
			}
			assertThatProblem(requestOtp(gateway.url(), newPhone(), clientZ)).isRateLimitedBy("send-per-ip");

			assertThat(smsTo(new HashSet<>(phones))).isEqualTo(5 + 3);
		}
	}

	static Map<String, String> fleetSettings(String prefix, Map<String, String> overrides) {
		Map<String, String> settings = GatewayInstance.defaults(sms.url(), prefix);
		settings.put("cvety.otp.trusted-proxy-hops", "1");
		settings.putAll(overrides);
		return settings;
	}

	static long smsTo(Set<String> phones) {
		return sms.messages().stream().filter(message -> phones.contains(message.phone())).count();
	}

}
