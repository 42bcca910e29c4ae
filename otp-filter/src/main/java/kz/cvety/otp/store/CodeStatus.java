package kz.cvety.otp.store;

import java.time.Duration;

/**
 * What support may know of a phone's code: never the code or its HMAC.
 *
 * @param live whether a code that can still be verified is stored
 * @param attemptsUsed verification attempts the code has used (0 when there is none)
 * @param expiresIn time until Redis expires the code (zero when there is none)
 */
public record CodeStatus(boolean live, int attemptsUsed, Duration expiresIn) {

	/** No code stored. */
	public static final CodeStatus NONE = new CodeStatus(false, 0, Duration.ZERO);

}
