package kz.cvety.otp.support;

import java.util.function.Predicate;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import reactor.core.publisher.Mono;

/**
 * The OTP steps (admission, each Redis step, the SMS send) as Micrometer observations, which an application with
 * tracing records as spans, children of the request's own. With no registry, or a no-op one, a step runs as it is
 * and nothing is created or measured; likewise under a request whose trace is not recorded (not sampled): with a
 * parent-based sampler its steps' spans would be dropped, and these observations have no meters (the
 * {@code cvety.otp} timers measure the steps), so creating them would only cost the request. A step with no request
 * around it (the start-up warm-up) is observed on its own.
 */
public final class OtpObservations {

	/** Prefix of every name below: these observations exist for traces, the {@code cvety.otp} timers measure the steps. */
	public static final String PREFIX = "cvety.otp.span";

	/** An admission, tag {@code operation}: send, verify. */
	public static final String ADMISSION = PREFIX + ".admission";

	/** A guarded Redis step, tag {@code step}. */
	public static final String REDIS = PREFIX + ".redis";

	/** An SMS send, retries included. */
	public static final String SMS = PREFIX + ".sms";

	/** Observes nothing. */
	public static final OtpObservations NONE = new OtpObservations(ObservationRegistry.NOOP);

	private final ObservationRegistry registry;

	private final Predicate<Observation> recorded;

	/** Observes every step, under any request. */
	public OtpObservations(ObservationRegistry registry) {
		this(registry, around -> true);
	}

	/**
	 * @param recorded whether what is observed under a request's observation is recorded, e.g. whether its trace is
	 * sampled; false skips the request's OTP steps
	 */
	public OtpObservations(ObservationRegistry registry, Predicate<Observation> recorded) {
		this.registry = registry;
		this.recorded = recorded;
	}

	/** {@code call} observed as the admission of {@code operation}, the parent of the steps {@code call} observes. */
	public <T> Mono<T> admission(String operation, Mono<T> call) {
		return observe(ADMISSION, "otp admission ", "operation", operation, call, true);
	}

	/**
	 * {@code call} observed as the Redis step {@code step}, a leaf: the step's observation is not put in the
	 * context {@code call} runs in. Nothing below a Redis step is observed, and with automatic context propagation
	 * an observation in the context has its scope opened and closed (thread locals, the tracer's current span) by
	 * every signal that passes it, several times per step. What {@code call} records (a timer's exemplar) carries
	 * the trace of the observation around the step.
	 */
	public <T> Mono<T> redis(String step, Mono<T> call) {
		return observe(REDIS, "otp redis ", "step", step, call, false);
	}

	/** {@code call} observed as an SMS send, the parent of the provider's HTTP call when that is observed. */
	public <T> Mono<T> sms(Mono<T> call) {
		return observe(SMS, "otp sms ", "operation", "send", call, true);
	}

	private <T> Mono<T> observe(String name, String spanPrefix, String key, String value, Mono<T> call,
			boolean parent) {
		if (this.registry.isNoop()) {
			return call;
		}
		return Mono.deferContextual(context -> {
			// The request's observation travels in the Reactor context (WebFlux puts it there), not in a thread local.
			Observation around = context.getOrDefault(ObservationThreadLocalAccessor.KEY, null);
			if (around != null && !this.recorded.test(around)) {
				return call;
			}
			Observation observation = Observation.createNotStarted(name, this.registry)
				.contextualName(spanPrefix + value)
				.lowCardinalityKeyValue(key, value)
				.parentObservation(around)
				.start();
			Mono<T> observed = call.doOnError(observation::error).doFinally(signal -> observation.stop());
			return parent ? observed.contextWrite(inner -> inner.put(ObservationThreadLocalAccessor.KEY, observation))
					: observed;
		});
	}

}
