package kz.cvety.otp.web;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.ApplicationListener;

import kz.cvety.otp.OtpPolicy;
import kz.cvety.otp.OtpPolicyHolder;
import kz.cvety.otp.ratelimit.BucketRateLimiter;
import kz.cvety.otp.ratelimit.Limit;
import kz.cvety.otp.ratelimit.LimitPolicy;
import kz.cvety.otp.admission.LimitsProperties;
import kz.cvety.otp.ratelimit.Refill;
import kz.cvety.otp.store.OtpKeys;
import kz.cvety.otp.store.OtpStore;
import kz.cvety.otp.web.OtpRequestReader;

/**
 * Runs one throwaway pass through the OTP path (JSON reading, phone parsing and its number range, a bucket and
 * a script on throwaway keys) once the application has started and before it reports ready for traffic. A cold JVM's
 * first requests otherwise load classes, libphonenumber metadata and Lua scripts inside the Redis step
 * timeout, and a burst of such timeouts right after a deploy would open the Redis circuit for everyone.
 */
public final class OtpWarmUp implements ApplicationListener<ApplicationStartedEvent> {

	private static final Log logger = LogFactory.getLog(OtpWarmUp.class);

	private static final Duration MAX_WAIT = Duration.ofSeconds(10);

	private final OtpPolicyHolder policies;

	private final BucketRateLimiter limiter;

	private final OtpStore store;

	private final OtpKeys keys;

	public OtpWarmUp(OtpPolicyHolder policies, BucketRateLimiter limiter, OtpStore store, OtpKeys keys) {
		this.policies = policies;
		this.limiter = limiter;
		this.store = store;
		this.keys = keys;
	}

	@Override
	public void onApplicationEvent(ApplicationStartedEvent event) {
		long started = System.nanoTime();
		OtpPolicy policy = this.policies.get();
		new OtpRequestReader().readVerify("{\"phone\":\"+77000000000\",\"otp_code\":\"000000\"}"
			.getBytes(StandardCharsets.UTF_8));
		String phone = policy.phones().toE164("8 700 000 00 00");
		policy.limits().rangeOf(phone);
		String throwaway = "warm-up-" + UUID.randomUUID();
		LimitPolicy limit = new LimitPolicy("warm-up", List.of(Limit.valueOf("1/1s")), Refill.GREEDY);
		// A real range starts with '+', so this bucket is no customer's: nothing real is charged.
		Mono<Void> pass = this.limiter.tryConsume(limit, this.keys.sendPerPrefix(throwaway))
			.then(this.store.reserveAttempt(throwaway, 1))
			.then();
		try {
			// On the main thread during start-up, before readiness: waiting here is the point.
			pass.toFuture().get(MAX_WAIT.toMillis(), TimeUnit.MILLISECONDS);
			logger.debug("OTP path warmed up in " + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms");
		}
		catch (Exception ex) {
			logger.warn("OTP warm-up could not reach Redis (the gateway starts anyway and answers 503 until it can): "
					+ ex.getMessage());
		}
	}

}
