package kz.cvety.otp.ratelimit;

import java.util.List;

import org.springframework.http.HttpHeaders;

import kz.cvety.otp.problem.RetryAfter;


/**
 * The {@code RateLimit-Limit}, {@code RateLimit-Remaining} and {@code RateLimit-Reset} fields (IETF httpapi
 * RateLimit header draft, delta-seconds) for the limit closest to exhaustion.
 *
 * @see <a href="https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/">RateLimit header fields for HTTP</a>
 */
public final class RateLimitHeaders {

	/** The quota of the limit closest to exhaustion. */
	public static final String LIMIT = "RateLimit-Limit";

	/** Requests left in the current window of that limit. */
	public static final String REMAINING = "RateLimit-Remaining";

	/** Seconds until that limit's quota is whole again. */
	public static final String RESET = "RateLimit-Reset";

	private RateLimitHeaders() {
	}

	/** Headers for the tightest of {@code decisions}; empty when there are none. */
	public static HttpHeaders of(List<RateLimitDecision> decisions) {
		HttpHeaders headers = new HttpHeaders();
		RateLimitDecision tightest = null;
		for (RateLimitDecision decision : decisions) {
			if (tightest == null || decision.remaining() < tightest.remaining()) {
				tightest = decision;
			}
		}
		if (tightest != null) {
			headers.set(LIMIT, Long.toString(tightest.quota()));
			headers.set(REMAINING, Long.toString(tightest.remaining()));
			headers.set(RESET,
					Long.toString(tightest.reset().isZero() ? 0 : RetryAfter.seconds(tightest.reset())));
		}
		return headers;
	}

}
