package kz.cvety.otp.web;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.timeout.ReadTimeoutException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.channel.AbortedException;
import reactor.netty.http.client.PrematureCloseException;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;
import org.springframework.web.server.WebExceptionHandler;

import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;
import kz.cvety.otp.support.NativeRequests;

/**
 * Turns every error that reaches the edge into an RFC 9457 problem, so clients never see an HTML page or a
 * bare 500 for something a client, Redis or the backend did. Runs before Spring Boot's default handler.
 */
public final class ProblemExceptionHandler implements WebExceptionHandler, Ordered {

	/** Before Spring Boot's {@code DefaultErrorWebExceptionHandler} (order -1). */
	public static final int ORDER = -2;

	private static final Log logger = LogFactory.getLog(ProblemExceptionHandler.class);

	private final Supplier<Duration> backendRetryAfter;

	/**
	 * @param backendRetryAfter announced in {@code Retry-After} when the backend is unreachable or its circuit
	 * is open: the time the circuit breaker waits before it lets calls through again
	 */
	public ProblemExceptionHandler(Duration backendRetryAfter) {
		this(() -> backendRetryAfter);
	}

	/**
	 * @param backendRetryAfter asked for the {@code Retry-After} of each answer that the backend is unreachable or
	 * its circuit is open: while it is open, the time until it lets trial calls through and they have had time to
	 * close it again
	 */
	public ProblemExceptionHandler(Supplier<Duration> backendRetryAfter) {
		this.backendRetryAfter = backendRetryAfter;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
		boolean gone = ex instanceof AbortedException || clientGone(exchange.getRequest());
		if (gone && (ex instanceof AbortedException || ex instanceof IllegalStateException)) {
			// The client went away, and the failure is the answer's write: nobody to answer, nothing wrong at the
			// edge. An admitted OTP request runs to its end after its client left, and its answer then finds the
			// connection closed: Netty fails that write with an IllegalStateException, not an AbortedException.
			logger.debug("Client closed the connection during " + describe(exchange) + ": " + ex);
			return Mono.empty();
		}
		// Logs what the edge did not expect, whether or not anyone is left to answer.
		ProblemException problem = toProblem(exchange, ex);
		if (gone) {
			logger.debug("Client closed the connection during " + describe(exchange) + "; not answered: " + problem);
			return Mono.empty();
		}
		return ProblemWriter.write(exchange, problem);
	}

	ProblemException toProblem(ServerWebExchange exchange, Throwable ex) {
		if (ex instanceof ProblemException problem) {
			return problem;
		}
		if (ex instanceof MethodNotAllowedException notAllowed) {
			HttpHeaders allow = new HttpHeaders();
			allow.setAllow(notAllowed.getSupportedMethods());
			return ProblemException.of(ProblemCode.METHOD_NOT_ALLOWED,
					"Method " + notAllowed.getHttpMethod() + " is not allowed here.").headers(allow).build();
		}
		if (ex instanceof UnsupportedMediaTypeStatusException) {
			return ProblemException.of(ProblemCode.UNSUPPORTED_MEDIA_TYPE, "The body must be application/json.")
				.build();
		}
		if (ex instanceof DataBufferLimitException || hasStatus(ex, HttpStatus.CONTENT_TOO_LARGE)) {
			return ProblemException.of(ProblemCode.PAYLOAD_TOO_LARGE, "The request body is too large.").build();
		}
		if (ex instanceof ServerWebInputException) {
			return ProblemException.of(ProblemCode.MALFORMED_REQUEST, "The request could not be read.").build();
		}
		if (isBackendTimeout(ex)) {
			logger.warn("Backend timed out for " + describe(exchange) + ": " + ex);
			return ProblemException.of(ProblemCode.BACKEND_TIMEOUT, "The backend did not answer in time.").build();
		}
		if (isBackendUnavailable(ex)) {
			logger.warn("Backend unavailable for " + describe(exchange) + ": " + ex);
			return ProblemException.of(ProblemCode.BACKEND_UNAVAILABLE, "The backend is unavailable; retry later.")
				.retryAfter(this.backendRetryAfter.get())
				.build();
		}
		if (ex instanceof ResponseStatusException statusException) {
			return fromStatus(exchange, statusException);
		}
		logger.error("Unexpected error for " + describe(exchange), ex);
		return ProblemException.of(ProblemCode.INTERNAL_ERROR, "The gateway failed to handle this request.").build();
	}

	private ProblemException fromStatus(ServerWebExchange exchange, ResponseStatusException ex) {
		HttpStatusCode status = ex.getStatusCode();
		String reason = (ex.getReason() != null) ? ex.getReason() : "Request refused.";
		if (status.value() == HttpStatus.NOT_FOUND.value()) {
			return ProblemException.of(ProblemCode.NOT_FOUND, "No route for this path.").build();
		}
		if (status.is4xxClientError()) {
			return ProblemException.of(ProblemCode.MALFORMED_REQUEST, reason).status(status).build();
		}
		logger.error("Server error " + status + " for " + describe(exchange), ex);
		return ProblemException.of(ProblemCode.INTERNAL_ERROR, "The gateway failed to handle this request.")
			.status(status)
			.build();
	}

	private static boolean isBackendTimeout(Throwable ex) {
		return hasStatus(ex, HttpStatus.GATEWAY_TIMEOUT) || causedBy(ex, TimeoutException.class)
				|| causedBy(ex, ReadTimeoutException.class);
	}

	private static boolean isBackendUnavailable(Throwable ex) {
		return hasStatus(ex, HttpStatus.SERVICE_UNAVAILABLE) || causedBy(ex, ConnectException.class)
				|| causedBy(ex, ConnectTimeoutException.class) || causedBy(ex, NoRouteToHostException.class)
				|| causedBy(ex, UnknownHostException.class) || causedBy(ex, PrematureCloseException.class)
				|| causedBy(ex, ClosedChannelException.class);
	}

	private static boolean hasStatus(Throwable ex, HttpStatus status) {
		if (ex instanceof ResponseStatusException rse) {
			return rse.getStatusCode().value() == status.value();
		}
		// Spring Cloud Gateway's ServiceUnavailableException (open circuit) declares its status this way.
		ResponseStatus annotated = AnnotatedElementUtils.findMergedAnnotation(ex.getClass(), ResponseStatus.class);
		return annotated != null && annotated.code().value() == status.value();
	}

	private static boolean causedBy(Throwable ex, Class<? extends Throwable> type) {
		for (Throwable t = ex; t != null; t = (t.getCause() != t) ? t.getCause() : null) {
			if (type.isInstance(t)) {
				return true;
			}
		}
		return false;
	}

	/** Whether the request came on a Reactor Netty connection that has closed since. */
	static boolean clientGone(ServerHttpRequest request) {
		return NativeRequests.of(request) instanceof Connection open && !open.channel().isActive();
	}

	private static String describe(ServerWebExchange exchange) {
		return exchange.getRequest().getMethod() + " " + exchange.getRequest().getPath().value();
	}

}
