package kz.cvety.otp.web;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.cloud.gateway.support.HasRouteId;
import org.springframework.util.StringUtils;
import org.springframework.web.server.ServerWebExchange;

import kz.cvety.otp.OtpSettings;
import kz.cvety.otp.admission.OtpAdmission.AdmissionListener;
import kz.cvety.otp.client.ClientIpResolver;
import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;
import kz.cvety.otp.ratelimit.BucketRateLimiter;
import kz.cvety.otp.ratelimit.Limit;
import kz.cvety.otp.ratelimit.NamedLimit;
import kz.cvety.otp.ratelimit.RateLimitHeaders;
import kz.cvety.otp.ratelimit.Refill;
import kz.cvety.otp.store.OtpKeys;
import kz.cvety.otp.store.OtpRedisProperties.FailMode;

/**
 * The admission filter's generic mode for ordinary proxied routes, {@code RateLimit} in a route: keys on the
 * client IP or a header, takes a token of every configured {@code COUNT/DURATION} limit, answers 429
 * {@code rate_limited} with an honest {@code Retry-After}, and adds {@code RateLimit-*} headers. Unlike Spring
 * Cloud Gateway's {@code RequestRateLimiter}, it takes several limits, says when to retry, and makes its
 * failure policy explicit: fail-open by default on these routes, logged at WARN and counted.
 */
public class RateLimitGatewayFilterFactory extends AbstractGatewayFilterFactory<RateLimitGatewayFilterFactory.Config> {

	private static final Log logger = LogFactory.getLog(RateLimitGatewayFilterFactory.class);

	private final BucketRateLimiter limiter;

	private final OtpKeys keys;

	private final Supplier<OtpSettings> policies;

	private final AdmissionListener listener;

	public RateLimitGatewayFilterFactory(BucketRateLimiter limiter, OtpKeys keys, Supplier<OtpSettings> policies,
			AdmissionListener listener) {
		super(Config.class);
		this.limiter = limiter;
		this.keys = keys;
		this.policies = policies;
		this.listener = listener;
	}

	@Override
	public GatewayFilter apply(Config config) {
		String name = StringUtils.hasText(config.getName()) ? config.getName() : config.getRouteId();
		if (!StringUtils.hasText(name)) {
			throw new IllegalArgumentException("RateLimit needs a name (or a route id)");
		}
		NamedLimit policy = new NamedLimit(name, config.getLimits(), config.getRefill());
		KeySource keySource = KeySource.parse(config.getKey());
		Throttle warnings = new Throttle(Duration.ofMinutes(1));
		// The route was (re)built, perhaps with new limits: let live buckets take them on next use.
		this.limiter.limitsChanged();
		return (exchange, chain) -> {
			String key = keySource.resolve(exchange, this.policies.get().clientIps());
			return ProblemWriter.answeringProblems(exchange, this.limiter.tryConsume(policy, this.keys.generic(name, key))
				.onErrorResume(ProblemException.class, failure -> {
					if (config.getFailMode() == FailMode.CLOSED) {
						return Mono.error(failure);
					}
					// Once a minute per limit at most: during an outage every request fails open.
					if (warnings.tryAcquire()) {
						logger.warn("Rate limit " + name + " could not be checked; admitting (fail-mode open): "
								+ failure.detail());
					}
					this.listener.failedOpen(name);
					return Mono.empty();
				})
				.flatMap(decision -> {
					this.listener.decided(decision, config.isDryRun());
					if (!decision.allowed() && !config.isDryRun()) {
						return Mono.error(ProblemException
							.of(ProblemCode.RATE_LIMITED, "Too many requests (" + name + "); wait before retrying.")
							.limit(name)
							.retryAfter(decision.retryAfter())
							.headers(RateLimitHeaders.of(List.of(decision)))
							.build());
					}
					exchange.getResponse().getHeaders().putAll(RateLimitHeaders.of(List.of(decision)));
					return Mono.just(decision);
				})
				.then(Mono.defer(() -> chain.filter(exchange))));
		};
	}

	/** Lets something happen at most once per interval, across threads. */
	static final class Throttle {

		private final long intervalNanos;

		private final AtomicLong next = new AtomicLong(Long.MIN_VALUE);

		Throttle(Duration interval) {
			this.intervalNanos = interval.toNanos();
		}

		boolean tryAcquire() {
			long now = System.nanoTime();
			long due = this.next.get();
			return (due == Long.MIN_VALUE || now - due >= 0) && this.next.compareAndSet(due, now + this.intervalNanos);
		}

	}

	/** What a generic limit keys on. */
	record KeySource(String header) {

		static KeySource parse(String spec) {
			String trimmed = (spec != null) ? spec.trim() : "ip";
			if (trimmed.equalsIgnoreCase("ip")) {
				return new KeySource(null);
			}
			if (trimmed.toLowerCase(Locale.ROOT).startsWith("header:") && trimmed.length() > "header:".length()) {
				return new KeySource(trimmed.substring("header:".length()).trim());
			}
			throw new IllegalArgumentException("RateLimit key must be 'ip' or 'header:<Name>', was '" + spec + "'");
		}

		String resolve(ServerWebExchange exchange, ClientIpResolver clientIps) {
			if (this.header != null) {
				String value = exchange.getRequest().getHeaders().getFirst(this.header);
				if (StringUtils.hasText(value)) {
					return "h:" + value;
				}
			}
			// Without the header, callers share their IP's bucket rather than escaping the limit.
			return "ip:" + clientIps.resolve(exchange.getRequest()).limitKey();
		}

	}

	/** Route configuration of {@code RateLimit}. */
	public static class Config implements HasRouteId {

		/** Name of the limit in answers, logs, metrics and keys; defaults to the route id. */
		private String name;

		/** What to key on: {@code ip} (default) or {@code header:<Name>} (falls back to the IP). */
		private String key = "ip";

		/** COUNT/DURATION limits that must all pass, e.g. [100/1m, 1000/1h]. */
		private List<Limit> limits = new ArrayList<>();

		/** How buckets refill. */
		private Refill refill = Refill.GREEDY;

		/** What to do when Redis cannot be asked: open (admit, default here) or closed (503). */
		private FailMode failMode = FailMode.OPEN;

		/** Decide and report but never refuse. */
		private boolean dryRun;

		private String routeId;

		@Override
		public void setRouteId(String routeId) {
			this.routeId = routeId;
		}

		@Override
		public String getRouteId() {
			return this.routeId;
		}

		public String getName() {
			return this.name;
		}

		public void setName(String name) {
			this.name = name;
		}

		public String getKey() {
			return this.key;
		}

		public void setKey(String key) {
			this.key = key;
		}

		public List<Limit> getLimits() {
			return this.limits;
		}

		public void setLimits(List<Limit> limits) {
			this.limits = limits;
		}

		public Refill getRefill() {
			return this.refill;
		}

		public void setRefill(Refill refill) {
			this.refill = refill;
		}

		public FailMode getFailMode() {
			return this.failMode;
		}

		public void setFailMode(FailMode failMode) {
			this.failMode = failMode;
		}

		public boolean isDryRun() {
			return this.dryRun;
		}

		public void setDryRun(boolean dryRun) {
			this.dryRun = dryRun;
		}

	}

}
