package kz.cvety.otp.pumping;

import java.util.Locale;

/**
 * What the pumping guard counts sends and verifications by: a number range (the limits' {@code prefix-suffix-digits})
 * or the number's region.
 */
public enum PumpingScope {

	/** The E.164 number without its last {@code prefix-suffix-digits} digits. */
	RANGE,

	/** The number's libphonenumber region code, such as {@code KZ}. */
	REGION;

	/** The name in keys, logs and metric tags. */
	public String tag() {
		return name().toLowerCase(Locale.ROOT);
	}

}
