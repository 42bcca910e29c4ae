package kz.cvety.otp.store;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * Draws codes uniformly from {@code 10^length} values with a {@link SecureRandom}. Uses the DRBG algorithm,
 * seeded once at start-up, so drawing never reads an entropy device on the event loop.
 */
public final class CodeGenerator {

	private final SecureRandom random;

	public CodeGenerator() {
		this(drbg());
	}

	CodeGenerator(SecureRandom random) {
		this.random = random;
	}

	/** A code of exactly {@code length} ASCII digits, leading zeros included. */
	public String next(int length) {
		if (length < 1 || length > 18) {
			throw new IllegalArgumentException("code length must be 1..18, was " + length);
		}
		long bound = pow10(length);
		long value = this.random.nextLong(bound);
		String digits = Long.toString(value);
		return "0".repeat(length - digits.length()) + digits;
	}

	/** A random id below 2^53, so Lua's doubles carry it exactly. */
	public long nextGeneration() {
		return this.random.nextLong(1L << 53);
	}

	private static long pow10(int exponent) {
		long result = 1;
		for (int i = 0; i < exponent; i++) {
			result *= 10;
		}
		return result;
	}

	private static SecureRandom drbg() {
		try {
			return SecureRandom.getInstance("DRBG");
		}
		catch (NoSuchAlgorithmException ex) {
			return new SecureRandom();
		}
	}

}
