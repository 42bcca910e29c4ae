package kz.cvety.edge.tracing;

import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * How far the edge believes the W3C trace context a client sends; sampling, propagation formats and export are
 * Spring Boot's own {@code management.tracing.*} and {@code management.opentelemetry.*} settings.
 */
@ConfigurationProperties(TracingProperties.PREFIX)
@Validated
public class TracingProperties {

	/** Property prefix. */
	public static final String PREFIX = "cvety.tracing";

	/** What becomes of a client's traceparent: trust (continue its trace), restart (new trace, linked) or drop. */
	@NotNull
	private ClientTrace clientTrace = ClientTrace.RESTART;

	public ClientTrace getClientTrace() {
		return this.clientTrace;
	}

	public void setClientTrace(ClientTrace clientTrace) {
		this.clientTrace = clientTrace;
	}

	/** The edge's stance on a client's trace context. */
	public enum ClientTrace {

		/** Continue the client's trace: its trace id, its sampling decision and its tracestate. */
		TRUST,

		/** Start a new trace at the edge and record the client's span, if it sent a valid one, as a span link. */
		RESTART,

		/** Start a new trace at the edge and ignore whatever trace context the client sent. */
		DROP

	}

}
