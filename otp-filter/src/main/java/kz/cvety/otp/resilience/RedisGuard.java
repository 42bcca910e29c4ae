package kz.cvety.otp.resilience;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.core.publisher.Sinks;
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
 * <p>
 * Steps asked together form a {@linkplain #phase phase}: one deadline, one circuit-breaker call and one hop off the
 * Redis connection's I/O thread for all of them, while each step is still observed, timed and failed on its own.
 */
public final class RedisGuard {

	private static final Log logger = LogFactory.getLog(RedisGuard.class);

	private static final Duration RETRY_WHILE_CLOSED = Duration.ofSeconds(1);

	private final CircuitRetryAfter circuit;

	private final Duration timeout;

	private final OtpObservations observations;

	private final Scheduler continueOn;

	// Where deadlines are kept, as Reactor's own timeout keeps them.
	private final Scheduler timers = Schedulers.parallel();

	// One instance for every step: the exception is made only when a step times out.
	private final Mono<?> timedOut;

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
	 * @param continueOn where a phase's result is handed on, away from the Redis connection's I/O thread
	 */
	public RedisGuard(CircuitRetryAfter circuit, Duration timeout, OtpObservations observations, Scheduler continueOn) {
		this.circuit = circuit;
		this.timeout = timeout;
		this.observations = observations;
		this.continueOn = continueOn;
		this.timedOut = Mono.error(() -> new TimeoutException("no answer within " + timeout));
	}

	/** Sets who hears each step's latency and outcome (metrics). */
	public void observeWith(StepObserver observer) {
		this.observer = observer;
	}

	/** Applies timeout and circuit breaker to {@code step}; any failure becomes {@code store_unavailable}. */
	public <T> Mono<T> guard(String step, Mono<T> call) {
		return phase(steps -> steps.step(step, call));
	}

	/**
	 * Runs the Redis steps {@code body} asks through its {@link Phase} as one phase: they share one deadline of the
	 * timeout, counting from the phase's start; the phase is one call of the circuit breaker, failed if any step
	 * failed; and its result is handed on away from the Redis connection's I/O thread once. An open circuit fails
	 * every step at once, with no Redis call. Each step keeps its own observation, metrics and
	 * {@code store_unavailable} failure, so the body decides what a failed step means for the others.
	 */
	public <T> Mono<T> phase(Function<Phase, Mono<T>> body) {
		return Mono.defer(() -> {
			Phase phase = new Phase();
			return phase.run(body.apply(phase));
		});
	}

	/** The circuit breaker, for health and metrics. */
	public CircuitRetryAfter circuit() {
		return this.circuit;
	}

	/** Guards one Redis step. */
	public interface Steps {

		/** {@code call} as the step named {@code step}; any failure becomes {@code store_unavailable}. */
		<T> Mono<T> step(String step, Mono<T> call);

	}

	/** One phase of Redis steps; see {@link RedisGuard#phase(Function)}. Runs once. */
	public final class Phase implements Steps {

		private final Sinks.Empty<Void> deadline = Sinks.empty();

		private volatile @Nullable CallNotPermittedException refused;

		private volatile @Nullable Throwable failure;

		private volatile @Nullable Disposable timer;

		private final AtomicBoolean ended = new AtomicBoolean();

		private Phase() {
		}

		@Override
		@SuppressWarnings("unchecked")
		public <T> Mono<T> step(String step, Mono<T> call) {
			// The step's observation is outermost, so its span covers the whole step. The latency is recorded while
			// the trace around the step is current: a timer's exemplar carries the request's trace id.
			return RedisGuard.this.observations.redis(step, Mono.defer(() -> {
				long started = System.nanoTime();
				CallNotPermittedException notPermitted = this.refused;
				Mono<T> answer = (notPermitted != null) ? Mono.error(notPermitted)
						: call.timeout(this.deadline.asMono(), (Mono<T>) RedisGuard.this.timedOut);
				return answer.doOnSuccess(value -> RedisGuard.this.observer.observe(step, System.nanoTime() - started, true))
					.doOnError(ex -> {
						RedisGuard.this.observer.observe(step, System.nanoTime() - started, false);
						if (this.failure == null && notPermitted == null) {
							this.failure = ex;
						}
					})
					.onErrorMap(ex -> !(ex instanceof ProblemException), ex -> unavailable(step, ex));
			}));
		}

		private <T> Mono<T> run(Mono<T> body) {
			CircuitBreaker breaker = RedisGuard.this.circuit.circuitBreaker();
			if (!breaker.tryAcquirePermission()) {
				this.refused = CallNotPermittedException.createCallNotPermittedException(breaker);
				return body.publishOn(RedisGuard.this.continueOn);
			}
			long started = breaker.getCurrentTimestamp();
			try {
				this.timer = RedisGuard.this.timers.schedule(this::expire, RedisGuard.this.timeout.toNanos(),
						TimeUnit.NANOSECONDS);
			}
			catch (RejectedExecutionException ex) {
				expire();
			}
			// The outcome is recorded before the answer travels on, so whoever hears the answer sees the breaker
			// already counting it.
			return body.doOnSuccess(value -> ended(breaker, started, SignalType.ON_COMPLETE))
				.doOnError(ex -> {
					if (this.failure == null) {
						this.failure = ex;
					}
					ended(breaker, started, SignalType.ON_ERROR);
				})
				.doOnCancel(() -> ended(breaker, started, SignalType.CANCEL))
				// Off the Redis connection's I/O thread once the replies are in: one thread reads every reply of the
				// connection, and if the request's next steps ran on it, replies and commands of other requests
				// would queue behind them and time out while Redis is idle. The deadline ends before this hop, so it
				// measures Redis and the connection, not how busy the CPUs are.
				.publishOn(RedisGuard.this.continueOn);
		}

		private void expire() {
			this.deadline.tryEmitEmpty();
		}

		private void ended(CircuitBreaker breaker, long started, SignalType signal) {
			if (this.ended.getAndSet(true)) {
				return;
			}
			Disposable scheduled = this.timer;
			if (scheduled != null) {
				scheduled.dispose();
			}
			if (signal == SignalType.CANCEL) {
				breaker.releasePermission();
				return;
			}
			long duration = breaker.getCurrentTimestamp() - started;
			Throwable failed = this.failure;
			if (failed == null) {
				breaker.onSuccess(duration, breaker.getTimestampUnit());
			}
			else {
				breaker.onError(duration, breaker.getTimestampUnit(), failed);
			}
		}

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
