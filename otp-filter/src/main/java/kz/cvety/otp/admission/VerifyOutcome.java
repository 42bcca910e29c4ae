package kz.cvety.otp.admission;

import org.jspecify.annotations.Nullable;

import kz.cvety.otp.problem.ProblemException;

/**
 * How a verify-otp ended, for settling its failed-verification token, the decision log and the metrics.
 */
public enum VerifyOutcome {

	/** The code verified. */
	VERIFIED("verified"),

	/** The code was wrong: a failed verification, its token stays spent. */
	INVALID("invalid"),

	/** There was no live code to check. */
	EXPIRED("expired"),

	/** The code had used all its attempts. */
	EXHAUSTED("exhausted"),

	/** The phone's failed-verification budget was spent. */
	LOCKED("locked"),

	/** The client IP's failed-verification budget was spent. */
	RATE_LIMITED("rate_limited"),

	/** Redis could not be asked. */
	STORE_UNAVAILABLE("store_unavailable");

	private final String tag;

	VerifyOutcome(String tag) {
		this.tag = tag;
	}

	/** The name in logs and metric tags. */
	public String tag() {
		return this.tag;
	}

	/** The outcome a verify-otp refused before the handler ran ended with, or null for one not counted. */
	public static @Nullable VerifyOutcome refusedWith(Throwable error) {
		if (!(error instanceof ProblemException problem)) {
			return null;
		}
		return switch (problem.code()) {
			case OTP_EXPIRED -> EXPIRED;
			case OTP_ATTEMPTS_EXHAUSTED -> EXHAUSTED;
			case VERIFY_LOCKED -> LOCKED;
			case RATE_LIMITED -> RATE_LIMITED;
			case STORE_UNAVAILABLE -> STORE_UNAVAILABLE;
			default -> null;
		};
	}

}
