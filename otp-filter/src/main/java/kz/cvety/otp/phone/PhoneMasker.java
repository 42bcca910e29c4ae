package kz.cvety.otp.phone;

import org.jspecify.annotations.Nullable;

/**
 * Masks phone numbers for logs, metrics and error details: {@code +77771234567} becomes {@code +7777***4567}.
 * Anything too short to mask safely is hidden entirely.
 */
public final class PhoneMasker {

	private static final int KEEP_START = 5;

	private static final int KEEP_END = 4;

	private PhoneMasker() {
	}

	public static String mask(@Nullable String phone) {
		if (phone == null || phone.length() < KEEP_START + KEEP_END + 2) {
			return "***";
		}
		return phone.substring(0, KEEP_START) + "***" + phone.substring(phone.length() - KEEP_END);
	}

}
