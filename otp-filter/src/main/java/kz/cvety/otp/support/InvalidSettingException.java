package kz.cvety.otp.support;

/**
 * A configured value that cannot make an OTP policy, named by its key: start-up refuses it, a refresh keeps the
 * policy in force.
 */
public final class InvalidSettingException extends IllegalArgumentException {

	private final String key;

	private final String problem;

	public InvalidSettingException(String key, String problem) {
		super(key + ": " + problem);
		this.key = key;
		this.problem = problem;
	}

	/** The property at fault, such as {@code cvety.otp.ttl}. */
	public String key() {
		return this.key;
	}

	/** What is wrong with its value, without the value when it could be a secret. */
	public String problem() {
		return this.problem;
	}

}
