package kz.cvety.otp.admission;

import java.time.Duration;
import java.util.List;

import io.github.bucket4j.BucketConfiguration;
import org.junit.jupiter.api.Test;

import kz.cvety.otp.ratelimit.Limit;
import kz.cvety.otp.ratelimit.SyncBound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OtpLimitsTest {

	@Test
	void defaultsAreTheSeedFiguresWithDailyCapsAndTheAbuseLimits() {
		OtpLimits policies = OtpLimits.from(new OtpLimitsProperties(), Duration.ZERO);
		assertThat(policies.sendPerPhone().limits()).containsExactly(Limit.valueOf("10/1m"));
		assertThat(policies.sendPerPrefix().limits()).containsExactly(Limit.valueOf("30/1h"));
		assertThat(policies.prefixSuffixDigits()).isEqualTo(4);
		assertThat(policies.sendPerIp().limits()).containsExactly(Limit.valueOf("30/1m"), Limit.valueOf("2000/1d"));
		assertThat(policies.sendGlobal().limits()).containsExactly(Limit.valueOf("1000/1m"), Limit.valueOf("20000/1d"));
		assertThat(policies.verifyFailuresPerPhone().limits()).containsExactly(Limit.valueOf("10/1h"));
		assertThat(policies.verifyFailuresPerIp().limits()).containsExactly(Limit.valueOf("100/1h"));
		assertThat(policies.dryRun()).isFalse();
	}

	@Test
	void theRangeOfAPhoneDropsTheConfiguredTrailingDigits() {
		OtpLimitsProperties properties = new OtpLimitsProperties();
		assertThat(OtpLimits.from(properties, Duration.ZERO).rangeOf("+77015550123")).isEqualTo("+7701555");
		properties.setPrefixSuffixDigits(2);
		assertThat(OtpLimits.from(properties, Duration.ZERO).rangeOf("+77015550123")).isEqualTo("+770155501");
	}

	@Test
	void aSuffixLengthOutsideOneToEightIsRefusedNamingTheKey() {
		OtpLimitsProperties properties = new OtpLimitsProperties();
		properties.setPrefixSuffixDigits(9);
		assertThatThrownBy(() -> OtpLimits.from(properties, Duration.ZERO))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessage("cvety.otp.limits.prefix-suffix-digits must be from 1 to 8, was 9");
	}

	@Test
	void resendCooldownBecomesOneMorePhoneLimit() {
		OtpLimits policies = OtpLimits.from(new OtpLimitsProperties(), Duration.ofSeconds(30));
		assertThat(policies.sendPerPhone().limits()).containsExactly(Limit.valueOf("10/1m"), Limit.valueOf("1/30s"));
		assertThat(policies.sendPerPhone().quota()).isEqualTo(1);
	}

	@Test
	void everyLimitOfAListIsABandwidthOfOneBucket() {
		OtpLimitsProperties properties = new OtpLimitsProperties();
		properties.setSendPerPhone(List.of(Limit.valueOf("3/1m"), Limit.valueOf("10/1h")));
		BucketConfiguration configuration = OtpLimits.from(properties, Duration.ZERO)
			.sendPerPhone()
			.bucketConfiguration();
		assertThat(configuration.getBandwidths()).hasSize(2);
		assertThat(configuration.getBandwidths()[0].getCapacity()).isEqualTo(3);
		assertThat(configuration.getBandwidths()[1].getCapacity()).isEqualTo(10);
	}

	@Test
	void equalSettingsGiveEqualPolicies() {
		assertThat(OtpLimits.from(new OtpLimitsProperties(), Duration.ZERO))
			.isEqualTo(OtpLimits.from(new OtpLimitsProperties(), Duration.ZERO));
	}

	@Test
	void onlyTheGlobalBudgetIsCountedAheadOfRedisByDefault() {
		OtpLimits policies = OtpLimits.from(new OtpLimitsProperties(), Duration.ZERO);

		assertThat(policies.sendGlobal().sync()).isEqualTo(new SyncBound(10, Duration.ofSeconds(1)));
		assertThat(List.of(policies.sendPerPhone(), policies.sendPerPrefix(), policies.sendPerIp(),
				policies.verifyFailuresPerPhone(), policies.verifyFailuresPerIp()))
			.allSatisfy(policy -> assertThat(policy.sync().delays()).isFalse());
	}

	@Test
	void aLimitNotAboveItsBoundIsCountedInRedisOnEveryRequest() {
		OtpLimitsProperties properties = new OtpLimitsProperties();
		properties.setSendGlobal(List.of(Limit.valueOf("100/1m"), Limit.valueOf("10/1d")));

		assertThat(OtpLimits.from(properties, Duration.ZERO).sendGlobal().sync()).isEqualTo(SyncBound.NONE);
	}

	@Test
	void thePerIpBoundCountsEveryNetworksSendLimitItFits() {
		OtpLimitsProperties properties = new OtpLimitsProperties();
		properties.getHotKeys().getSendPerIp().setMaxUnsynchronizedTokens(20);
		properties.setSendPerIp(List.of(Limit.valueOf("3000/1m")));
		OtpLimitsProperties.IpOverride nat = new OtpLimitsProperties.IpOverride();
		nat.setNetwork("203.0.113.7/32");
		nat.setSendPerIp(List.of(Limit.valueOf("5000/1m")));
		OtpLimitsProperties.IpOverride office = new OtpLimitsProperties.IpOverride();
		office.setNetwork("198.51.100.0/24");
		office.setSendPerIp(List.of(Limit.valueOf("10/1m")));
		properties.setIpOverrides(List.of(nat, office));

		OtpLimits policies = OtpLimits.from(properties, Duration.ZERO);

		assertThat(policies.sendPerIp().sync().tokens()).isEqualTo(20);
		assertThat(policies.ipOverrides().find("203.0.113.7").sendPerIp().sync().tokens()).isEqualTo(20);
		assertThat(policies.ipOverrides().find("198.51.100.9").sendPerIp().sync()).isEqualTo(SyncBound.NONE);
	}

	@Test
	void aNegativeBoundIsRefusedNamingTheKey() {
		OtpLimitsProperties properties = new OtpLimitsProperties();
		properties.getHotKeys().getSendGlobal().setMaxUnsynchronizedTokens(-1);

		assertThatThrownBy(() -> OtpLimits.from(properties, Duration.ZERO))
			.hasMessageContaining("cvety.otp.limits.hot-keys.send-global.max-unsynchronized-tokens");
	}

}
