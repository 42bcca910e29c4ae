package kz.cvety.otp.admission;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import kz.cvety.otp.phone.NumberRange;
import kz.cvety.otp.ratelimit.Limit;
import kz.cvety.otp.ratelimit.NamedLimit;
import kz.cvety.otp.ratelimit.Refill;
import kz.cvety.otp.ratelimit.SyncBound;
import kz.cvety.otp.support.InvalidSettingException;

/**
 * The OTP limits as the request path reads them: immutable, swapped whole on refresh.
 *
 * @param sendPerPhone codes per phone (with the resend cooldown as one more limit, if set)
 * @param sendPerPrefix codes per number range
 * @param sendPerIp codes per client IP
 * @param sendGlobal the fleet-wide SMS budget
 * @param verifyFailuresPerPhone failed verifications per phone across codes
 * @param verifyFailuresPerIp failed verifications per client IP across phones
 * @param prefixSuffixDigits trailing digits a phone drops to give its number range
 * @param dryRun decide and report, never refuse
 * @param ipOverrides networks whose clients have per-IP limits of their own
 */
public record OtpLimits(NamedLimit sendPerPhone, NamedLimit sendPerPrefix, NamedLimit sendPerIp,
		NamedLimit sendGlobal, NamedLimit verifyFailuresPerPhone, NamedLimit verifyFailuresPerIp,
		int prefixSuffixDigits, boolean dryRun, IpOverrides ipOverrides) {

	private static final Log logger = LogFactory.getLog(OtpLimits.class);

	/** Limit name of the per-phone send limit in answers and metrics. */
	public static final String SEND_PER_PHONE = "send-per-phone";

	/** Limit name of the per-number-range send limit. */
	public static final String SEND_PER_PREFIX = "send-per-prefix";

	/** Limit name of the per-IP send limit. */
	public static final String SEND_PER_IP = "send-per-ip";

	/** Limit name of the global SMS budget. */
	public static final String SEND_GLOBAL = "send-global";

	/** Limit name of the per-phone failed-verification budget. */
	public static final String VERIFY_FAILURES_PER_PHONE = "verify-failures-per-phone";

	/** Limit name of the per-IP failed-verification budget. */
	public static final String VERIFY_FAILURES_PER_IP = "verify-failures-per-ip";

	/** Every limit name, in the order a request meets them. */
	public static final List<String> NAMES = List.of(SEND_PER_PHONE, SEND_PER_PREFIX, SEND_PER_IP, SEND_GLOBAL,
			VERIFY_FAILURES_PER_PHONE, VERIFY_FAILURES_PER_IP);

	public OtpLimits {
		if (prefixSuffixDigits < NumberRange.MIN_SUFFIX_DIGITS || prefixSuffixDigits > NumberRange.MAX_SUFFIX_DIGITS) {
			throw new IllegalArgumentException(OtpLimitsProperties.PREFIX + ".prefix-suffix-digits must be from "
					+ NumberRange.MIN_SUFFIX_DIGITS + " to " + NumberRange.MAX_SUFFIX_DIGITS + ", was " + prefixSuffixDigits);
		}
	}

	/** Builds the policies from bound properties; a non-zero cooldown becomes a 1-per-cooldown phone limit. */
	public static OtpLimits from(OtpLimitsProperties properties, Duration resendCooldown) {
		List<Limit> perPhone = new ArrayList<>(properties.getSendPerPhone());
		if (!resendCooldown.isZero() && !resendCooldown.isNegative()) {
			perPhone.add(new Limit(1, resendCooldown));
		}
		Refill refill = properties.getRefill();
		NamedLimit sendPerIp = new NamedLimit(SEND_PER_IP, properties.getSendPerIp(), refill);
		NamedLimit sendGlobal = new NamedLimit(SEND_GLOBAL, properties.getSendGlobal(), refill);
		SyncBound perIpBound = syncBound(properties.getHotKeys().getSendPerIp(), SEND_PER_IP);
		SyncBound globalBound = syncBound(properties.getHotKeys().getSendGlobal(), SEND_GLOBAL);
		return new OtpLimits(new NamedLimit(SEND_PER_PHONE, perPhone, refill),
				new NamedLimit(SEND_PER_PREFIX, properties.getSendPerPrefix(), refill),
				synced(sendPerIp, perIpBound, OtpLimitsProperties.PREFIX + "." + SEND_PER_IP),
				synced(sendGlobal, globalBound, OtpLimitsProperties.PREFIX + "." + SEND_GLOBAL),
				new NamedLimit(VERIFY_FAILURES_PER_PHONE, properties.getVerifyFailuresPerPhone(), refill),
				new NamedLimit(VERIFY_FAILURES_PER_IP, properties.getVerifyFailuresPerIp(), refill),
				properties.getPrefixSuffixDigits(), properties.isDryRun(),
				IpOverrides.from(properties.getIpOverrides(), refill, perIpBound));
	}

	/** The bound configured under {@code hot-keys.<name>}; the properties' constraints refuse it first at start-up. */
	private static SyncBound syncBound(OtpLimitsProperties.HotKey hotKey, String name) {
		String key = OtpLimitsProperties.PREFIX + ".hot-keys." + name;
		long tokens = hotKey.getMaxUnsynchronizedTokens();
		if (tokens < 0) {
			throw new InvalidSettingException(key + ".max-unsynchronized-tokens",
					"must be 0 (off) or more tokens, was " + tokens);
		}
		Duration time = hotKey.getMaxUnsynchronizedTime();
		if (time == null || time.isNegative() || time.isZero()) {
			throw new InvalidSettingException(key + ".max-unsynchronized-time", "must be positive, was " + time);
		}
		return new SyncBound(tokens, time);
	}

	/**
	 * {@code limit} counted ahead of Redis by {@code bound}, unless the bound is not below the limit's tightest
	 * count: one instance could then spend the whole limit unseen, so such a limit (an emergency clamp, say) is
	 * counted in Redis on every request instead.
	 */
	static NamedLimit synced(NamedLimit limit, SyncBound bound, String key) {
		if (!bound.delays()) {
			return limit;
		}
		if (bound.tokens() >= limit.quota()) {
			logger.warn(key + " " + limit.limits() + " is counted in Redis on every request: its tightest count is not"
					+ " above the " + bound.tokens() + " max-unsynchronized-tokens of its hot key");
			return limit;
		}
		return limit.withSync(bound);
	}

	/** The number range {@code phone} (E.164) counts against in {@link #sendPerPrefix()}. */
	public String rangeOf(String phone) {
		return NumberRange.of(phone, this.prefixSuffixDigits);
	}

}
