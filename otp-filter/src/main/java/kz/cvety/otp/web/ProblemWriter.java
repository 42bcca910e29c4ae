package kz.cvety.otp.web;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;

import kz.cvety.otp.problem.ProblemException;
import kz.cvety.otp.problem.RetryAfter;

/**
 * The one place that writes RFC 9457 {@code application/problem+json} answers, for the filter, the handler
 * and the exception handler alike.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9457">RFC 9457: Problem Details for HTTP APIs</a>
 */
public final class ProblemWriter {

	/** The RFC 9457 media type. */
	public static final MediaType PROBLEM_JSON = MediaType.APPLICATION_PROBLEM_JSON;

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private ProblemWriter() {
	}

	/** Writes {@code problem} unless the response is already committed (then the connection just ends). */
	public static Mono<Void> write(ServerWebExchange exchange, ProblemException problem) {
		ServerHttpResponse response = exchange.getResponse();
		if (response.isCommitted()) {
			return Mono.error(problem);
		}
		response.setStatusCode(problem.status());
		HttpHeaders headers = response.getHeaders();
		headers.addAll(problem.headers());
		if (problem.retryAfter() != null) {
			headers.set(HttpHeaders.RETRY_AFTER, Long.toString(RetryAfter.seconds(problem.retryAfter())));
		}
		headers.setContentType(PROBLEM_JSON);
		headers.setCacheControl("no-store");
		byte[] body = bytes(problem, instance(exchange));
		headers.setContentLength(body.length);
		DataBuffer buffer = response.bufferFactory().wrap(body);
		return response.writeWith(Mono.just(buffer));
	}

	/**
	 * {@code call} with the problems it fails with answered right here. A filter that refuses routinely (a
	 * hammered phone or IP) uses it rather than sending each refusal up through every operator and handler of the
	 * error path to {@link ProblemExceptionHandler}, which would only write the same answer.
	 */
	public static Mono<Void> answeringProblems(ServerWebExchange exchange, Mono<Void> call) {
		return call.onErrorResume(ProblemException.class, problem -> write(exchange, problem));
	}

	/**
	 * The raw path the client called: the first URL recorded before routing (a {@code forward:} route or a
	 * path-rewriting filter changed the request's own), else the request's path.
	 */
	static String instance(ServerWebExchange exchange) {
		Set<URI> original = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ORIGINAL_REQUEST_URL_ATTR);
		if (original != null && !original.isEmpty()) {
			String path = original.iterator().next().getRawPath();
			if (path != null) {
				return path;
			}
		}
		String path = exchange.getRequest().getPath().value();
		if (path.isEmpty()) {
			// A request target that is no path at all (refused as malformed): the target as the client sent it,
			// without its query.
			String target = PathGuardFilter.rawTarget(exchange.getRequest());
			if (target != null && !target.isEmpty()) {
				int query = target.indexOf('?');
				return (query >= 0) ? target.substring(0, query) : target;
			}
		}
		return path;
	}

	/** The problem's RFC 9457 body as JSON, for a client that called {@code instance}. */
	static byte[] bytes(ProblemException problem, String instance) {
		return JSON.writeValueAsBytes(body(problem, instance));
	}

	static Map<String, Object> body(ProblemException problem, String instance) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("type", problem.code().type());
		body.put("title", problem.code().title());
		body.put("status", problem.status().value());
		body.put("detail", problem.detail());
		body.put("instance", instance);
		body.put("code", problem.code().code());
		body.putAll(problem.extras());
		return body;
	}

}
