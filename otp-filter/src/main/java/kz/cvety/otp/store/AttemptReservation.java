package kz.cvety.otp.store;

import java.time.Duration;

/**
 * The answer of {@link OtpStore#reserveAttempt}: whether one more verification of the phone's live code may
 * be evaluated, and how many attempts that code has used.
 *
 * @param status the outcome
 * @param attemptsUsed attempts used including this one (when admitted)
 * @param codeTtl time the code has left; zero when there is none
 * @param generation id of the code the attempt was admitted for
 */
public record AttemptReservation(Status status, int attemptsUsed, Duration codeTtl, long generation) {

	/** What the reservation found. */
	public enum Status {

		/** No live code: expired, used or never sent. */
		NO_CODE,

		/** The attempt may be evaluated. */
		ADMITTED,

		/** The code has used all its attempts and is dead. */
		EXHAUSTED

	}

}
