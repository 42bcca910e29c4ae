package kz.cvety.otp.phone;

/**
 * The number range a phone belongs to: its E.164 form without the last few digits, the block a carrier or a
 * premium-rate reseller hands out whole. SMS pumping rings walk such a block, whatever client IPs they use.
 */
public final class NumberRange {

	/** Fewest trailing digits a range may drop: one would still be a phone limit in all but name. */
	public static final int MIN_SUFFIX_DIGITS = 1;

	/** Most trailing digits a range may drop: more would put whole operators into one range. */
	public static final int MAX_SUFFIX_DIGITS = 8;

	private NumberRange() {
	}

	/**
	 * The range of {@code e164} ({@code +77015550123} with 4 suffix digits is {@code +7701555}); the plus and
	 * at least one digit always stay, so a short number is never a range of its own.
	 */
	public static String of(String e164, int suffixDigits) {
		if (suffixDigits < MIN_SUFFIX_DIGITS || suffixDigits > MAX_SUFFIX_DIGITS) {
			throw new IllegalArgumentException("a number range drops " + MIN_SUFFIX_DIGITS + " to " + MAX_SUFFIX_DIGITS
					+ " trailing digits, not " + suffixDigits);
		}
		if (!e164.startsWith("+") || e164.length() < 2) {
			throw new IllegalArgumentException("not an E.164 number");
		}
		return e164.substring(0, Math.max(2, e164.length() - suffixDigits));
	}

}
