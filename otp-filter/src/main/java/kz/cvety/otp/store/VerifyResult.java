package kz.cvety.otp.store;

/**
 * The answer of {@link OtpStore#verify}.
 */
public enum VerifyResult {

	/** The code matched and is now deleted: it can never verify again. */
	VERIFIED,

	/** The code did not match. */
	WRONG_CODE,

	/** No live code: expired, used, or replaced by a newer one. */
	NO_CODE

}
