package kz.cvety.otp.actuate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.annotation.WebEndpoint;

import kz.cvety.otp.OtpSettings;
import kz.cvety.otp.admission.OtpLimits;
import kz.cvety.otp.phone.PhoneMasker;
import kz.cvety.otp.problem.RetryAfter;
import kz.cvety.otp.ratelimit.BucketRateLimiter;
import kz.cvety.otp.ratelimit.Limit;
import kz.cvety.otp.ratelimit.NamedLimit;
import kz.cvety.otp.ratelimit.RateLimitDecision;
import kz.cvety.otp.store.CodeStatus;
import kz.cvety.otp.store.CodeSupport;
import kz.cvety.otp.store.OtpKeys;

/**
 * The {@code otp} actuator endpoint for support: {@code GET /actuator/otp/{phone}} shows one phone's limits, code
 * and verification lock without changing them; {@code DELETE} clears its code and per-phone buckets, with one
 * audit line. Answers carry the phone but never the code, its HMAC or a Redis key.
 */
@WebEndpoint(id = OtpSupportEndpoint.ID)
public final class OtpSupportEndpoint {

	/** The endpoint id: {@code /actuator/otp}, {@code management.endpoints.web.exposure.include=otp}. */
	public static final String ID = "otp";

	/** What an unblock lists when it removed the phone's live code. */
	public static final String CODE = "code";

	private static final Log audit = LogFactory.getLog("kz.cvety.otp.support");

	private final Supplier<OtpSettings> policies;

	private final OtpKeys keys;

	private final BucketRateLimiter limiter;

	private final CodeSupport codes;

	private final Runnable unblocked;

	/**
	 * @param policies the current OTP policy (phone rules, limits, attempt cap)
	 * @param unblocked called once per unblock served, for metrics
	 */
	public OtpSupportEndpoint(Supplier<OtpSettings> policies, OtpKeys keys, BucketRateLimiter limiter,
			CodeSupport codes, Runnable unblocked) {
		this.policies = policies;
		this.keys = keys;
		this.limiter = limiter;
		this.codes = codes;
		this.unblocked = unblocked;
	}

	/** The phone's limits, code and lock, read without taking a token or touching the code. */
	@ReadOperation
	public Mono<Map<String, Object>> lookup(@Selector String phone) {
		return Mono.defer(() -> {
			OtpSettings policy = this.policies.get();
			String e164 = policy.phones().toE164(phone);
			List<PhoneLimit> limits = phoneLimits(policy.limits(), e164);
			Mono<List<RateLimitDecision>> states = Flux.fromIterable(limits)
				.flatMapSequential(limit -> this.limiter.peek(limit.policy(), limit.key()))
				.collectList();
			return Mono.zip(states, this.codes.lookup(e164))
				.map(found -> lookupAnswer(policy, e164, limits, found.getT1(), found.getT2()));
		});
	}

	/** Clears the phone's live code and its per-phone buckets; answers what existed and was cleared. */
	@DeleteOperation
	public Mono<Map<String, Object>> unblock(@Selector String phone) {
		return Mono.defer(() -> {
			OtpSettings policy = this.policies.get();
			String e164 = policy.phones().toE164(phone);
			List<Mono<String>> clears = new ArrayList<>();
			clears.add(this.codes.remove(e164).filter(Boolean::booleanValue).map(removed -> CODE));
			for (PhoneLimit limit : phoneLimits(policy.limits(), e164)) {
				if (limit.phoneAlone()) {
					clears.add(this.limiter.clear(limit.key())
						.filter(Boolean::booleanValue)
						.map(removed -> limit.policy().name()));
				}
			}
			return Mono.deferContextual(context -> {
				SupportCaller caller = SupportCaller.from(context);
				return Flux.mergeSequential(clears)
					.collectList()
					.doOnNext(cleared -> {
						audit.info(auditLine(e164, "cleared=" + (cleared.isEmpty() ? "none" : String.join(",", cleared)),
								caller));
						this.unblocked.run();
					})
					.doOnError(ex -> audit.warn(auditLine(e164, "outcome=failed", caller) + " error=" + ex.getMessage()))
					.map(cleared -> {
						Map<String, Object> answer = new LinkedHashMap<>();
						answer.put("phone", e164);
						answer.put("cleared", cleared);
						return answer;
					});
			});
		});
	}

	/**
	 * The limits that count this phone, in answer order. A limit shared with other numbers (a number range) is
	 * shown but not cleared: lifting it would lift it for every number in the range.
	 */
	private List<PhoneLimit> phoneLimits(OtpLimits limits, String phone) {
		return List.of(new PhoneLimit(limits.sendPerPhone(), this.keys.sendPerPhone(phone), true),
				new PhoneLimit(limits.sendPerPrefix(), this.keys.sendPerPrefix(limits.rangeOf(phone)), false),
				new PhoneLimit(limits.verifyFailuresPerPhone(), this.keys.verifyFailuresPerPhone(phone), true));
	}

	private static Map<String, Object> lookupAnswer(OtpSettings policy, String phone, List<PhoneLimit> limits,
			List<RateLimitDecision> states, CodeStatus code) {
		List<Map<String, Object>> shown = new ArrayList<>();
		RateLimitDecision verifyFailures = null;
		for (int i = 0; i < limits.size(); i++) {
			NamedLimit limit = limits.get(i).policy();
			RateLimitDecision state = states.get(i);
			Map<String, Object> entry = new LinkedHashMap<>();
			entry.put("name", limit.name());
			entry.put("limit", String.join(", ", limit.limits().stream().map(Limit::toString).toList()));
			entry.put("remaining", state.remaining());
			entry.put("reset_seconds", seconds(state.reset()));
			// A limit shared with other numbers (the range) is shown, never cleared by an unblock.
			entry.put("shared", !limits.get(i).phoneAlone());
			shown.add(entry);
			if (limit.name().equals(OtpLimits.VERIFY_FAILURES_PER_PHONE)) {
				verifyFailures = state;
			}
		}
		Map<String, Object> codeAnswer = new LinkedHashMap<>();
		codeAnswer.put("live", code.live());
		codeAnswer.put("attempts_used", Math.min(code.attemptsUsed(), policy.maxAttempts()));
		codeAnswer.put("max_attempts", policy.maxAttempts());
		codeAnswer.put("expires_in_seconds", seconds(code.expiresIn()));
		// In dry run an empty budget refuses nothing, so the phone is not locked.
		boolean locked = verifyFailures != null && !verifyFailures.allowed() && !policy.limits().dryRun();
		Map<String, Object> answer = new LinkedHashMap<>();
		answer.put("phone", phone);
		answer.put("limits", shown);
		answer.put("code", codeAnswer);
		answer.put("verification_locked", locked);
		answer.put("locked_for_seconds", locked ? RetryAfter.seconds(verifyFailures.retryAfter()) : 0L);
		return answer;
	}

	private static String auditLine(String phone, String what, SupportCaller caller) {
		return "otp.support.unblock phone=" + PhoneMasker.mask(phone) + " " + what + " caller=" + caller.address()
				+ " request_id=" + caller.requestId();
	}

	/** Whole seconds, rounded up: a wait of 0.2 s is shown as 1. */
	private static long seconds(Duration duration) {
		long millis = duration.toMillis();
		return (millis <= 0) ? 0 : (millis + 999) / 1000;
	}

	/**
	 * One limit as support sees it.
	 *
	 * @param phoneAlone whether it counts this phone only, so an unblock clears it
	 */
	private record PhoneLimit(NamedLimit policy, String key, boolean phoneAlone) {
	}

}
