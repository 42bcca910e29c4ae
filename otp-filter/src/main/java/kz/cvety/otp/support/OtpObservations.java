package kz.cvety.otp.support;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import reactor.core.publisher.Mono;

/**
 * The OTP steps (admission, each Redis step, the SMS send) as Micrometer observations, which an application with
 * tracing records as spans, children of the request's own. With no registry, or a no-op one, a step runs as it is
 * and nothing is created or measured.
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

	public OtpObservations(ObservationRegistry registry) {
		this.registry = registry;
	}

	/** {@code call} observed as the admission of {@code operation}. */
	public <T> Mono<T> admission(String operation, Mono<T> call) {
		return observe(ADMISSION, "otp admission ", "operation", operation, call);
	}

	/** {@code call} observed as the Redis step {@code step}. */
	public <T> Mono<T> redis(String step, Mono<T> call) {
		return observe(REDIS, "otp redis ", "step", step, call);
	}

	/** {@code call} observed as an SMS send. */
	public <T> Mono<T> sms(Mono<T> call) {
		return observe(SMS, "otp sms ", "operation", "send", call);
	}

	private <T> Mono<T> observe(String name, String spanPrefix, String key, String value, Mono<T> call) {
		if (this.registry.isNoop()) {
			return call;
		}
		return Mono.deferContextual(context -> {
			// The request's observation travels in the Reactor context (WebFlux puts it there), not in a thread local.
			Observation parent = context.getOrDefault(ObservationThreadLocalAccessor.KEY, null);
			Observation observation = Observation.createNotStarted(name, this.registry)
				.contextualName(spanPrefix + value)
				.lowCardinalityKeyValue(key, value)
				.parentObservation(parent)
				.start();
			return call.doOnError(observation::error)
				.doFinally(signal -> observation.stop())
				.contextWrite(inner -> inner.put(ObservationThreadLocalAccessor.KEY, observation));
		});
	}

}
