package kz.cvety.otp.autoconfigure;

import io.micrometer.observation.Observation;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.handler.TracingObservationHandler;

/**
 * Whether a request's trace is recorded, read from its observation: loaded only with Micrometer Tracing present.
 */
final class SampledTraces {

	private SampledTraces() {
	}

	/**
	 * False only when tracing gave {@code around} a span of a trace not sampled, so spans under it would be dropped;
	 * true with no span, as an observation without tracing is still observed. The trace's sampling, not whether the
	 * span still records: work that runs on after its request ended belongs to the request's trace.
	 */
	static boolean recorded(Observation around) {
		TracingObservationHandler.TracingContext tracing = around.getContextView()
			.get(TracingObservationHandler.TracingContext.class);
		Span span = (tracing != null) ? tracing.getSpan() : null;
		return span == null || !Boolean.FALSE.equals(span.context().sampled());
	}

}
