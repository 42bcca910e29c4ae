package kz.cvety.otp.autoconfigure;

import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

/**
 * The one check of the OTP secrets as they bind: set, and at least {@value #MIN_BYTES} UTF-8 bytes. A refusal
 * names the key and its environment variable, never the value.
 */
public final class Secrets {

	/** The shortest secret accepted, in UTF-8 bytes: HMAC-SHA256 and HS256 keys of the hash's own size. */
	public static final int MIN_BYTES = 32;

	private Secrets() {
	}

	/**
	 * {@code value} when it is a usable secret.
	 * @param key the property, e.g. {@code cvety.otp.hash-secret}
	 * @param variable the environment variable ops set it with, e.g. {@code OTP_HASH_SECRET}
	 * @param use what else the action should say about the secret, or an empty string
	 * @throws UnsafeConfigurationException naming the key when it is not set or too short
	 */
	public static String require(String key, String variable, @Nullable String value, String use) {
		String action = "Set " + variable + " to at least " + MIN_BYTES
				+ " random bytes, e.g. the output of: openssl rand -base64 48" + (use.isEmpty() ? "" : "; " + use);
		if (value == null || value.isBlank()) {
			throw new UnsafeConfigurationException(key, "is not set (" + variable + ")", action);
		}
		if (value.getBytes(StandardCharsets.UTF_8).length < MIN_BYTES) {
			throw new UnsafeConfigurationException(key, "is shorter than " + MIN_BYTES + " bytes", action);
		}
		return value;
	}

}
