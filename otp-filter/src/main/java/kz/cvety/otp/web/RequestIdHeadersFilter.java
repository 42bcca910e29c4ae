package kz.cvety.otp.web;

import java.util.List;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

/**
 * Sends the request id that {@link RequestIdFilter} settled on to the backend of a proxied route, in place of
 * whatever the caller sent under {@value RequestIdFilter#HEADER}. A header filter of the proxy call rather
 * than a change to the request: only requests that are really forwarded pay for it.
 */
public final class RequestIdHeadersFilter implements HttpHeadersFilter, Ordered {

	@Override
	public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
		String id = RequestIdFilter.of(exchange);
		List<String> sent = input.getValuesAsList(RequestIdFilter.HEADER);
		if (id == null || (sent.size() == 1 && id.equals(sent.get(0)))) {
			return input;
		}
		HttpHeaders forwarded = HttpHeaders.copyOf(input);
		forwarded.set(RequestIdFilter.HEADER, id);
		return forwarded;
	}

	@Override
	public boolean supports(Type type) {
		return type == Type.REQUEST;
	}

	/** After the gateway's own header filters, so none of them can drop the id again. */
	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

}
