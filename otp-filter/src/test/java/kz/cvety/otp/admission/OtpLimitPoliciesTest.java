package kz.cvety.otp.admission;

import java.time.Duration;
import java.util.List;

import io.github.bucket4j.BucketConfiguration;
import org.junit.jupiter.api.Test;

import kz.cvety.otp.ratelimit.Limit;

import static org.assertj.core.api.Assertions.assertThat;

class OtpLimitPoliciesTest {

	@Test
	void defaultsAreTheSeedFigures() {
		OtpLimitPolicies policies = OtpLimitPolicies.from(new LimitsProperties(), Duration.ZERO);
		assertThat(policies.sendPerPhone().limits()).containsExactly(Limit.valueOf("10/1m"));
		assertThat(policies.sendPerIp().limits()).containsExactly(Limit.valueOf("30/1m"));
		assertThat(policies.sendGlobal().limits()).containsExactly(Limit.valueOf("1000/1m"));
		assertThat(policies.verifyFailuresPerPhone().limits()).containsExactly(Limit.valueOf("10/1h"));
		assertThat(policies.dryRun()).isFalse();
	}

	@Test
	void resendCooldownBecomesOneMorePhoneLimit() {
		OtpLimitPolicies policies = OtpLimitPolicies.from(new LimitsProperties(), Duration.ofSeconds(30));
		assertThat(policies.sendPerPhone().limits()).containsExactly(Limit.valueOf("10/1m"), Limit.valueOf("1/30s"));
		assertThat(policies.sendPerPhone().quota()).isEqualTo(1);
	}

	@Test
	void everyLimitOfAListIsABandwidthOfOneBucket() {
		LimitsProperties properties = new LimitsProperties();
		properties.setSendPerPhone(List.of(Limit.valueOf("3/1m"), Limit.valueOf("10/1h")));
		BucketConfiguration configuration = OtpLimitPolicies.from(properties, Duration.ZERO)
			.sendPerPhone()
			.bucketConfiguration();
		assertThat(configuration.getBandwidths()).hasSize(2);
		assertThat(configuration.getBandwidths()[0].getCapacity()).isEqualTo(3);
		assertThat(configuration.getBandwidths()[1].getCapacity()).isEqualTo(10);
	}

	@Test
	void equalSettingsGiveEqualPolicies() {
		assertThat(OtpLimitPolicies.from(new LimitsProperties(), Duration.ZERO))
			.isEqualTo(OtpLimitPolicies.from(new LimitsProperties(), Duration.ZERO));
	}

}
