package kz.cvety.otp.admission;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import kz.cvety.otp.ratelimit.Limit;
import kz.cvety.otp.ratelimit.LimitPolicy;
import kz.cvety.otp.ratelimit.Refill;

/**
 * The OTP limits as the request path reads them: immutable, swapped whole on refresh.
 *
 * @param sendPerPhone codes per phone (with the resend cooldown as one more limit, if set)
 * @param sendPerIp codes per client IP
 * @param sendGlobal the fleet-wide SMS budget
 * @param verifyFailuresPerPhone failed verifications per phone across codes
 * @param dryRun decide and report, never refuse
 */
public record OtpLimitPolicies(LimitPolicy sendPerPhone, LimitPolicy sendPerIp, LimitPolicy sendGlobal,
		LimitPolicy verifyFailuresPerPhone, boolean dryRun) {

	/** Limit name of the per-phone send limit in answers and metrics. */
	public static final String SEND_PER_PHONE = "send-per-phone";

	/** Limit name of the per-IP send limit. */
	public static final String SEND_PER_IP = "send-per-ip";

	/** Limit name of the global SMS budget. */
	public static final String SEND_GLOBAL = "send-global";

	/** Limit name of the per-phone failed-verification budget. */
	public static final String VERIFY_FAILURES_PER_PHONE = "verify-failures-per-phone";

	/** Builds the policies from bound properties; a non-zero cooldown becomes a 1-per-cooldown phone limit. */
	public static OtpLimitPolicies from(LimitsProperties properties, Duration resendCooldown) {
		List<Limit> perPhone = new ArrayList<>(properties.getSendPerPhone());
		if (!resendCooldown.isZero() && !resendCooldown.isNegative()) {
			perPhone.add(new Limit(1, resendCooldown));
		}
		Refill refill = properties.getRefill();
		return new OtpLimitPolicies(new LimitPolicy(SEND_PER_PHONE, perPhone, refill),
				new LimitPolicy(SEND_PER_IP, properties.getSendPerIp(), refill),
				new LimitPolicy(SEND_GLOBAL, properties.getSendGlobal(), refill),
				new LimitPolicy(VERIFY_FAILURES_PER_PHONE, properties.getVerifyFailuresPerPhone(), refill),
				properties.isDryRun());
	}

}
