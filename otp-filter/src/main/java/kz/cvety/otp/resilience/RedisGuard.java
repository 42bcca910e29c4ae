package kz.cvety.otp.resilience;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;
import kz.cvety.otp.resilience.CircuitRetryAfter;
import kz.cvety.otp.support.OtpObservations;

/**
 * Puts a timeout and a Resilience4j circuit breaker around every Redis step, so an outage turns into an
 * immediate 503 {@code store_unavailable} with an honest {@code Retry-After} instead of a stall, and service
 * resumes by itself once Redis answers again. Failures are logged at WARN.
 */
public final class RedisGuard {

	private static final Log logger = LogFactory.getLog(RedisGuard.class);

	private static final Duration RETRY_WHILE_CLOSED = Duration.ofSeconds(1);

	private final CircuitRetryAfter circuit;

	private final Duration timeout;

	private final OtpObservations observations;

	private final Scheduler continueOn;

	private volatile StepObserver observer = StepObserver.NONE;

	public RedisGuard(CircuitRetryAfter circuit, Duration timeout) {
		this(circuit, timeout, OtpObservations.NONE);
	}

	/**
	 * @param observations observes each step (a span per step when the application traces)
	 */
	public RedisGuard(CircuitRetryAfter circuit, Duration timeout, OtpObservations observations) {
		this(circuit, timeout, observations, Schedulers.parallel());
	}

	/**
	 * @param observations observes each step (a span per step when the application traces)
	 * @param continueOn where a step's result is handed on, away from the Redis connection's I/O thread
	 */
	public RedisGuard(CircuitRetryAfter circuit, Duration timeout, OtpObservations observations, Scheduler continueOn) {
		this.circuit = circuit;
		this.timeout = timeout;
		this.observations = observations;
		this.continueOn = continueOn;
	}

	/** Sets who hears each step's latency and outcome (metrics). */
	public void observeWith(StepObserver observer) {
		this.observer = observer;
	}

	/** Applies timeout and circuit breaker to {@code step}; any failure becomes {@code store_unavailable}. */
	public <T> Mono<T> guard(String step, Mono<T> call) {
		// The step's observation is outermost, so its latency is recorded while the step's span is current (the
		// trace id of a timer's exemplar).
		return this.observations.redis(step, Mono.defer(() -> {
			long started = System.nanoTime();
			// With a fallback, Reactor's timeout skips building a description string on every subscription.
			return call.timeout(this.timeout, Mono.error(() -> new TimeoutException("no answer within " + this.timeout)))
				.transformDeferred(CircuitBreakerOperator.of(this.circuit.circuitBreaker()))
				.doOnSuccess(value -> this.observer.observe(step, System.nanoTime() - started, true))
				.doOnError(ex -> this.observer.observe(step, System.nanoTime() - started, false))
				.onErrorMap(ex -> !(ex instanceof ProblemException), ex -> unavailable(step, ex))
				// Off the Redis connection's I/O thread once the reply is in: one thread reads every reply of the
				// connection, and if the request's next steps ran on it, replies and commands of other requests
				// would queue behind them and time out while Redis is idle. The time-out ends before this hop, so
				// it measures Redis and the connection, not how busy the CPUs are.
				.publishOn(this.continueOn);
		}));
	}

	/** The circuit breaker, for health and metrics. */
	public CircuitRetryAfter circuit() {
		return this.circuit;
	}

	/** Hears every guarded Redis step. */
	@FunctionalInterface
	public interface StepObserver {

		/** Hears nothing. */
		StepObserver NONE = (step, nanos, success) -> {
		};

		/** One step took {@code nanos} and succeeded or not. */
		void observe(String step, long nanos, boolean success);

	}

	private ProblemException unavailable(String step, Throwable ex) {
		Duration retryAfter = this.circuit.retryAfter(RETRY_WHILE_CLOSED);
		if (ex instanceof CallNotPermittedException) {
			logger.debug("Redis circuit open; refused " + step);
		}
		else {
			String reason = (ex instanceof TimeoutException) ? "timed out after " + this.timeout : ex.toString();
			logger.warn("Redis step " + step + " failed: " + reason);
		}
		return ProblemException.of(ProblemCode.STORE_UNAVAILABLE, "The OTP store is unavailable; retry later.")
			.retryAfter(retryAfter)
			.cause(ex)
			.build();
	}

}
