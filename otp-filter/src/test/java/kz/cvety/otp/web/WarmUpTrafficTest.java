package kz.cvety.otp.web;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

import kz.cvety.otp.OtpProperties;
import kz.cvety.otp.OtpSettings;
import kz.cvety.otp.admission.OtpLimitsProperties;
import kz.cvety.otp.ratelimit.Refill;
import kz.cvety.otp.ratelimit.SyncBound;

import static org.assertj.core.api.Assertions.assertThat;

class WarmUpTrafficTest {

	private final WarmUpTraffic traffic = new WarmUpTraffic(new WarmUpTraffic.Throwaway(null, null, null, null));

	@Test
	void onlyItsOwnSecretMarksAWarmUpRequestAndOnlyWhileTheWarmUpRuns() {
		String secret = this.traffic.secret();
		assertThat(secret).hasSizeGreaterThanOrEqualTo(43);
		assertThat(this.traffic.carries(post(secret))).isTrue();
		assertThat(this.traffic.carries(post(null))).isFalse();
		assertThat(this.traffic.carries(post(""))).isFalse();
		assertThat(this.traffic.carries(post(secret.substring(1)))).isFalse();
		assertThat(this.traffic.carries(post(secret + "x"))).isFalse();
		assertThat(this.traffic.carries(post(secret.toUpperCase()))).isFalse();

		this.traffic.close();

		assertThat(this.traffic.carries(post(secret))).as("after the warm-up").isFalse();
	}

	@Test
	void spansStartedWhileTheWarmUpRunsAreNotExported() {
		Instant before = Instant.now().minusMillis(1);
		assertThat(this.traffic.window().exports(before)).as("no warm-up running yet").isTrue();
		this.traffic.open();
		Instant during = Instant.now();
		assertThat(this.traffic.window().exports(during)).as("while it runs").isFalse();

		this.traffic.close();

		assertThat(this.traffic.window().exports(during)).as("started while it ran").isFalse();
		assertThat(this.traffic.window().exports(before)).as("started before it began").isTrue();
		assertThat(this.traffic.window().exports(Instant.now().plusMillis(1))).isTrue();
	}

	@Test
	void withoutAWarmUpEverySpanIsExported() {
		assertThat(new WarmUpWindow().exports(Instant.now())).isTrue();
	}

	@Test
	void everyStartMakesItsOwnSecret() {
		WarmUpTraffic other = new WarmUpTraffic(new WarmUpTraffic.Throwaway(null, null, null, null));

		assertThat(other.secret()).isNotEqualTo(this.traffic.secret());
		assertThat(this.traffic.carries(post(other.secret()))).isFalse();
	}

	@Test
	void warmUpRequestsRunUnderLimitsOfTheirOwnWithoutTestNumbersOrHandOff() {
		OtpProperties otp = new OtpProperties();
		otp.getTestNumbers().put("+77010000001", "123456");
		otp.getHandoff().setEnabled(true);
		OtpSettings real = OtpSettings.from(otp, new OtpLimitsProperties());

		OtpSettings warmUp = this.traffic.settings(real);

		assertThat(warmUp.limits().sendPerPhone().quota()).isEqualTo(2);
		assertThat(warmUp.limits().sendGlobal().quota()).isEqualTo(1_000_000);
		assertThat(warmUp.limits().sendPerIp().quota()).isEqualTo(1_000_000);
		assertThat(warmUp.limits().sendPerPrefix().quota()).isEqualTo(1_000_000);
		assertThat(warmUp.isTestNumber("+77010000001")).isFalse();
		assertThat(warmUp.handoff()).isFalse();
		assertThat(warmUp.codeLength()).isEqualTo(real.codeLength());
		assertThat(warmUp.phones()).isSameAs(real.phones());
		assertThat(this.traffic.settings(real)).as("derived once per settings").isSameAs(warmUp);
	}

	@Test
	void warmUpRequestsRunTheSameBucketAndPumpingPathsButCanNeverTripTheGuard() {
		OtpLimitsProperties limits = new OtpLimitsProperties();
		limits.setRefill(Refill.INTERVAL);
		OtpSettings real = OtpSettings.from(new OtpProperties(), limits);
		assertThat(real.limits().sendGlobal().sync()).as("the global budget is a hot key").isNotEqualTo(SyncBound.NONE);
		assertThat(real.pumping().enabled()).isTrue();

		OtpSettings warmUp = this.traffic.settings(real);

		assertThat(warmUp.limits().sendGlobal().sync()).isEqualTo(real.limits().sendGlobal().sync());
		assertThat(warmUp.limits().sendPerIp().sync()).isEqualTo(real.limits().sendPerIp().sync());
		assertThat(warmUp.limits().sendPerPhone().refill()).isEqualTo(Refill.INTERVAL);
		assertThat(warmUp.limits().sendGlobal().refill()).isEqualTo(Refill.INTERVAL);
		assertThat(warmUp.pumping().enabled()).isTrue();
		assertThat(warmUp.pumping().scopes()).isEqualTo(real.pumping().scopes());
		assertThat(warmUp.pumping().window()).isEqualTo(real.pumping().window());
		assertThat(warmUp.pumping().minSends()).as("never judged").isEqualTo(Integer.MAX_VALUE);
	}

	private static MockServerHttpRequest post(String value) {
		MockServerHttpRequest.BodyBuilder request = MockServerHttpRequest.post("/api/auth/request-otp");
		if (value != null) {
			request.header(WarmUpTraffic.HEADER, value);
		}
		return request.build();
	}

}
