package kz.cvety.otp.autoconfigure;

/**
 * Start-up refusal: a setting is missing or unsafe for the profile in use. The failure analyzer prints it as
 * one line naming the key.
 */
public final class UnsafeConfigurationException extends RuntimeException {

	private final String key;

	private final String action;

	public UnsafeConfigurationException(String key, String problem, String action) {
		super(key + ": " + problem);
		this.key = key;
		this.action = action;
	}

	/** The configuration key at fault, such as {@code spring.data.redis.url}. */
	public String key() {
		return this.key;
	}

	/** What ops should do about it. */
	public String action() {
		return this.action;
	}

}
