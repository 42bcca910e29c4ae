package kz.cvety.edge.tracing;

import java.util.List;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

/**
 * Removes the trace context a client sent (W3C {@code traceparent}, {@code tracestate}, {@code baggage}, and B3)
 * from what the backend receives, on proxied routes and on the verification hand-off alike: the backend reads only
 * the context the edge writes, which continues the client's trace only when {@code cvety.tracing.client-trace} is
 * {@code trust}.
 */
public final class TraceHeadersFilter implements HttpHeadersFilter, Ordered {

	/** Trace context headers, each written by the edge's own propagation or not at all. */
	static final List<String> TRACE_HEADERS = List.of("traceparent", "tracestate", "baggage", "b3", "X-B3-TraceId",
			"X-B3-SpanId", "X-B3-ParentSpanId", "X-B3-Sampled", "X-B3-Flags");

	@Override
	public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
		if (TRACE_HEADERS.stream().noneMatch(input::containsHeader)) {
			return input;
		}
		HttpHeaders output = HttpHeaders.copyOf(input);
		TRACE_HEADERS.forEach(output::remove);
		return output;
	}

	@Override
	public boolean supports(Type type) {
		return type == Type.REQUEST;
	}

	/** Before the gateway's observed-request filter, which writes the edge's own trace context onto the copy. */
	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE - 20;
	}

}
