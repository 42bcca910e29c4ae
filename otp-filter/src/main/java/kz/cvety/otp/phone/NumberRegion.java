package kz.cvety.otp.phone;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import org.jspecify.annotations.Nullable;

/**
 * The region a number belongs to, as libphonenumber tells it from its digits: {@code +77015550123} is {@code KZ},
 * {@code +79161234567} is {@code RU}, though both dial country code 7.
 */
public final class NumberRegion {

	private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

	private NumberRegion() {
	}

	/** The ISO 3166 region code of {@code e164}, or null when no single region owns it. */
	public static @Nullable String of(String e164) {
		try {
			String region = UTIL.getRegionCodeForNumber(UTIL.parse(e164, null));
			return (region == null || "ZZ".equals(region) || "001".equals(region)) ? null : region;
		}
		catch (NumberParseException ex) {
			return null;
		}
	}

}
