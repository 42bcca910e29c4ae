package kz.cvety.otp.admission;

import org.jspecify.annotations.Nullable;

import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;

/**
 * How a request-otp ended, for settling its tokens, the decision log and the metrics.
 */
public enum SendOutcome {

	/** The code was stored and the SMS provider accepted the message. */
	SENT("sent"),

	/** A test number's fixed code was stored; no SMS. */
	TEST_NUMBER("test_number"),

	/** The SMS provider certainly received nothing: the tokens are given back and no code is left. */
	FAILED("failed"),

	/** The provider may have taken the message: the tokens stay spent and the code stays valid. */
	UNCONFIRMED("unconfirmed"),

	/** A send limit refused. */
	REFUSED("refused"),

	/** Redis could not be asked. */
	STORE_UNAVAILABLE("store_unavailable");

	private final String tag;

	SendOutcome(String tag) {
		this.tag = tag;
	}

	/** The name in logs and metric tags. */
	public String tag() {
		return this.tag;
	}

	/** The outcome a request-otp refused before the handler ran ended with, or null for one not counted. */
	public static @Nullable SendOutcome refusedWith(Throwable error) {
		if (error instanceof ProblemException problem) {
			if (problem.code() == ProblemCode.RATE_LIMITED) {
				return REFUSED;
			}
			if (problem.code() == ProblemCode.STORE_UNAVAILABLE) {
				return STORE_UNAVAILABLE;
			}
		}
		return null;
	}

}
