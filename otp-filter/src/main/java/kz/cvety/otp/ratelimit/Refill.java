package kz.cvety.otp.ratelimit;

/**
 * How a bucket gets its tokens back.
 */
public enum Refill {

	/** Tokens come back one at a time, evenly over the period. */
	GREEDY,

	/** All tokens come back at once when the period has passed. */
	INTERVAL

}
