package kz.cvety.edge.tracing;

import io.micrometer.tracing.Link;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapGetter;
import org.jspecify.annotations.Nullable;

import kz.cvety.edge.tracing.TracingProperties.ClientTrace;

/**
 * Applies {@code cvety.tracing.client-trace} where a request's span is started from what the client sent
 * (W3C Trace Context): continue it, start a new trace linked to it, or start a new trace. Writing the edge's
 * own context onto outgoing calls is Spring Boot's OpenTelemetry propagation, unchanged.
 */
public final class ClientTracePropagator extends OtelPropagator {

	private final Tracer tracer;

	private final ClientTrace clientTrace;

	/**
	 * @param propagators Spring Boot's OpenTelemetry propagation ({@code management.tracing.propagation.*})
	 */
	public ClientTracePropagator(ContextPropagators propagators, io.opentelemetry.api.trace.Tracer otelTracer,
			Tracer tracer, ClientTrace clientTrace) {
		super(propagators, otelTracer);
		this.tracer = tracer;
		this.clientTrace = clientTrace;
	}

	@Override
	public <C> Span.Builder extract(C carrier, Getter<C> getter) {
		return switch (this.clientTrace) {
			case TRUST -> super.extract(carrier, getter);
			case RESTART -> linkedTo(clientSpan(carrier, getter));
			case DROP -> this.tracer.spanBuilder().setNoParent();
		};
	}

	private Span.Builder linkedTo(SpanContext client) {
		Span.Builder builder = this.tracer.spanBuilder().setNoParent();
		if (client.isValid()) {
			builder.addLink(new Link(this.tracer.traceContextBuilder()
				.traceId(client.getTraceId())
				.spanId(client.getSpanId())
				.sampled(client.isSampled())
				.build()));
		}
		return builder;
	}

	/** The client's {@code traceparent} as OpenTelemetry's W3C parser reads it: invalid when absent or malformed. */
	private static <C> SpanContext clientSpan(C carrier, Getter<C> getter) {
		Context extracted = W3CTraceContextPropagator.getInstance().extract(Context.root(), carrier,
				new TextMapGetter<C>() {

					@Override
					public Iterable<String> keys(C ignored) {
						return W3CTraceContextPropagator.getInstance().fields();
					}

					@Override
					public @Nullable String get(@Nullable C source, String key) {
						return (source != null) ? getter.get(source, key) : null;
					}

				});
		return io.opentelemetry.api.trace.Span.fromContext(extracted).getSpanContext();
	}

}
