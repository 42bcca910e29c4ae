package kz.cvety.otp.ratelimit;

import java.util.List;

import org.springframework.http.HttpHeaders;

import kz.cvety.otp.OtpHeaders;
import kz.cvety.otp.web.ProblemWriter;

/**
 * The {@code RateLimit-Limit}, {@code RateLimit-Remaining} and {@code RateLimit-Reset} fields (IETF httpapi
 * RateLimit header draft, delta-seconds) for the limit closest to exhaustion.
 *
 * @see <a href="https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/">RateLimit header fields for HTTP</a>
 */
public final class RateLimitHeaders {

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
			headers.set(OtpHeaders.RATE_LIMIT_LIMIT, Long.toString(tightest.quota()));
			headers.set(OtpHeaders.RATE_LIMIT_REMAINING, Long.toString(tightest.remaining()));
			headers.set(OtpHeaders.RATE_LIMIT_RESET,
					Long.toString(tightest.reset().isZero() ? 0 : ProblemWriter.retryAfterSeconds(tightest.reset())));
		}
		return headers;
	}

}
