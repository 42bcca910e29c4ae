package kz.cvety.otp;

import java.time.Duration;
import java.util.Map;

import kz.cvety.otp.admission.OtpLimitsProperties;
import kz.cvety.otp.admission.OtpLimits;
import kz.cvety.otp.client.ClientIpResolver;
import kz.cvety.otp.phone.PhoneMasker;
import kz.cvety.otp.phone.PhoneNormalizer;
import kz.cvety.otp.problem.ProblemException;
import kz.cvety.otp.pumping.PumpingPolicy;
import kz.cvety.otp.pumping.PumpingProperties;
import kz.cvety.otp.support.InvalidSettingException;

/**
 * Everything the OTP request path needs to decide, as one immutable value built from the bound properties.
 * The request path never reads a mutable properties bean; a refresh swaps this value atomically.
 *
 * @param codeLength digits per code
 * @param ttl lifetime of a code
 * @param maxAttempts verification attempts per code
 * @param maxBodyBytes largest accepted request body
 * @param clientIps how the client's IP is found and keyed (X-Forwarded-For entries to trust, IPv6 prefix)
 * @param testNumbers fixed codes that never cause an SMS
 * @param handoff whether verified requests go on to the backend
 * @param phones the phone rules
 * @param limits the rate limits
 * @param pumping the SMS-pumping guard
 */
public record OtpSettings(int codeLength, Duration ttl, int maxAttempts, int maxBodyBytes, ClientIpResolver clientIps,
		Map<String, String> testNumbers, boolean handoff, PhoneNormalizer phones, OtpLimits limits,
		PumpingPolicy pumping) {

	public OtpSettings {
		testNumbers = Map.copyOf(testNumbers);
	}

	/** Builds the settings with the pumping guard's defaults, checking rules that span several properties. */
	public static OtpSettings from(OtpProperties otp, OtpLimitsProperties limits) {
		return from(otp, limits, new PumpingProperties());
	}

	/** Builds the settings, checking rules that span several properties. */
	public static OtpSettings from(OtpProperties otp, OtpLimitsProperties limits, PumpingProperties pumping) {
		if (otp.getTtl().compareTo(Duration.ofSeconds(10)) < 0) {
			throw new InvalidSettingException("cvety.otp.ttl", "must be at least 10s, was " + otp.getTtl());
		}
		PhoneNormalizer phones = new PhoneNormalizer(otp.getDefaultRegion(), otp.getAllowedRegions(),
				otp.getAllowedTypes());
		otp.getTestNumbers().forEach((number, code) -> {
			if (!isE164Of(phones, number)) {
				throw new InvalidSettingException("cvety.otp.test-numbers",
						"key " + PhoneMasker.mask(number) + " is not an allowed number in E.164 form");
			}
			if (code == null || code.length() != otp.getCodeLength() || !code.chars().allMatch(c -> c >= '0' && c <= '9')) {
				throw new InvalidSettingException("cvety.otp.test-numbers", "the code for " + PhoneMasker.mask(number)
						+ " must be " + otp.getCodeLength() + " digits (cvety.otp.code-length)");
			}
		});
		return new OtpSettings(otp.getCodeLength(), otp.getTtl(), otp.getMaxAttempts(),
				(int) otp.getMaxBodySize().toBytes(),
				new ClientIpResolver(otp.getTrustedProxyHops(), otp.getIpv6PrefixLength()),
				otp.getTestNumbers(), otp.getHandoff().isEnabled(), phones,
				limitPolicies(limits, otp), pumpingPolicy(pumping, otp));
	}

	private static PumpingPolicy pumpingPolicy(PumpingProperties pumping, OtpProperties otp) {
		if (pumping.getWindow().compareTo(PumpingPolicy.MIN_WINDOW) < 0) {
			throw new InvalidSettingException(PumpingProperties.PREFIX + ".window",
					"must be at least " + PumpingPolicy.MIN_WINDOW.toSeconds() + "s, was " + pumping.getWindow());
		}
		if (pumping.getBlockFor().compareTo(Duration.ofSeconds(1)) < 0) {
			throw new InvalidSettingException(PumpingProperties.PREFIX + ".block-for",
					"must be at least 1s, was " + pumping.getBlockFor());
		}
		return PumpingPolicy.from(pumping, otp.getDefaultRegion());
	}

	private static OtpLimits limitPolicies(OtpLimitsProperties limits, OtpProperties otp) {
		try {
			return OtpLimits.from(limits, otp.getResendCooldown());
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidSettingException(OtpLimitsProperties.PREFIX, ex.getMessage());
		}
	}

	private static boolean isE164Of(PhoneNormalizer phones, String number) {
		try {
			return phones.toE164(number).equals(number);
		}
		catch (ProblemException ex) {
			return false;
		}
	}

	/** Whether {@code phone} is a test number (fixed code, no SMS). */
	public boolean isTestNumber(String phone) {
		return this.testNumbers.containsKey(phone);
	}

}
