package kz.cvety.otp.ratelimit;

import java.time.Duration;

/**
 * The outcome of asking one limit for one token, with what the {@code RateLimit-*} and {@code Retry-After}
 * headers announce.
 *
 * @param limitName which limit decided
 * @param allowed whether a token was taken
 * @param quota the limit's count ({@code RateLimit-Limit})
 * @param remaining tokens left ({@code RateLimit-Remaining})
 * @param retryAfter when refused, the wait until a token is back ({@code Retry-After})
 * @param reset time until the bucket is full again ({@code RateLimit-Reset})
 * @param cached whether the refusal came from the in-process cache of blocked keys, with no Redis call
 */
public record RateLimitDecision(String limitName, boolean allowed, long quota, long remaining, Duration retryAfter,
		Duration reset, boolean cached) {

}
