package kz.cvety.edge.tracing;

import io.micrometer.tracing.Tracer;
import io.opentelemetry.context.propagation.ContextPropagators;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The edge's stance on client trace context ({@code cvety.tracing.*}) over Spring Boot's OpenTelemetry tracing:
 * which context a request's span starts from, and which trace headers reach the backend.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(TracingProperties.class)
public class TracingConfiguration {

	/** In place of Spring Boot's propagator, which backs off: the same propagation, the edge's stance on extraction. */
	@Bean
	ClientTracePropagator clientTracePropagator(ContextPropagators propagators,
			io.opentelemetry.api.trace.Tracer otelTracer, Tracer tracer, TracingProperties properties) {
		return new ClientTracePropagator(propagators, otelTracer, tracer, properties.getClientTrace());
	}

	@Bean
	TraceHeadersFilter traceHeadersFilter() {
		return new TraceHeadersFilter();
	}

}
