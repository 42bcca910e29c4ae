package kz.cvety.otp.web;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;

import kz.cvety.otp.OtpOutcomes;
import kz.cvety.otp.OtpPolicy;
import kz.cvety.otp.admission.OtpAdmission;
import kz.cvety.otp.admission.OtpAdmission.VerifyAdmission;
import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;
import kz.cvety.otp.ratelimit.RateLimitDecision;
import kz.cvety.otp.ratelimit.RateLimitHeaders;
import kz.cvety.otp.client.ClientIpResolver.ClientIp;

/**
 * The OTP admission filter, {@code OtpAdmission=send} or {@code OtpAdmission=verify} in a route: reads the JSON
 * body once (bounded), resolves the phone to E.164, then admits the request to the handler or refuses it with
 * a problem answer. What to key on is the phone and {@link ClientIpResolver}; how to count is
 * {@link OtpAdmission}; this class decides how to answer.
 */
public class OtpAdmissionGatewayFilterFactory extends AbstractGatewayFilterFactory<OtpAdmissionGatewayFilterFactory.Config> {

	private final Supplier<OtpPolicy> policies;

	private final OtpAdmission admission;

	private final OtpOutcomes outcomes;

	private final OtpRequestReader reader = new OtpRequestReader();

	public OtpAdmissionGatewayFilterFactory(Supplier<OtpPolicy> policies, OtpAdmission admission,
			OtpOutcomes outcomes) {
		super(Config.class);
		this.policies = policies;
		this.admission = admission;
		this.outcomes = outcomes;
	}

	@Override
	public List<String> shortcutFieldOrder() {
		return List.of("operation");
	}

	@Override
	public GatewayFilter apply(Config config) {
		Operation operation = config.getOperation();
		return (exchange, chain) -> ProblemWriter.answeringProblems(exchange, filter(operation, exchange, chain));
	}

	private Mono<Void> filter(Operation operation, ServerWebExchange exchange, GatewayFilterChain chain) {
		OtpPolicy policy = this.policies.get();
		ServerHttpRequest request = exchange.getRequest();
		if (!HttpMethod.POST.equals(request.getMethod())) {
			HttpHeaders allow = new HttpHeaders();
			allow.setAllow(Set.of(HttpMethod.POST));
			return Mono.error(ProblemException.of(ProblemCode.METHOD_NOT_ALLOWED, "Use POST.").headers(allow).build());
		}
		if (!isJson(request.getHeaders())) {
			return Mono.error(ProblemException
				.of(ProblemCode.UNSUPPORTED_MEDIA_TYPE, "The body must be application/json.")
				.build());
		}
		if (request.getHeaders().getContentLength() > policy.maxBodyBytes()) {
			return Mono.error(tooLarge(policy));
		}
		return readBody(request, policy.maxBodyBytes()).flatMap(body -> {
			OtpRequest otpRequest = (operation == Operation.SEND) ? this.reader.readSend(body)
					: this.reader.readVerify(body);
			String phone = policy.phones().toE164(otpRequest.phone());
			ClientIp client = policy.clientIps().resolve(exchange.getRequest());
			if (operation == Operation.SEND) {
				return this.admission.admitSend(policy.limits(), phone, client.limitKey())
					.flatMap(decisions -> proceed(exchange, chain,
							new OtpExchange(policy, otpRequest, phone, client.address(), null, decisions))
						.transform(call -> settleSend(call, exchange, policy, phone, client.limitKey(), decisions)))
					.doOnSuccess(done -> recordSend(exchange, policy, phone, null))
					.doOnError(ex -> recordSend(exchange, policy, phone, ex));
			}
			checkCodeFormat(otpRequest.otpCode(), policy.codeLength());
			return this.admission.admitVerify(policy.limits(), phone, policy.maxAttempts())
				.flatMap(admitted -> proceed(exchange, chain, new OtpExchange(policy, otpRequest, phone,
						client.address(), admitted.reservation(), List.of(admitted.budget())))
					.transform(call -> settleVerify(call, exchange, policy, phone, admitted)))
				.doOnSuccess(done -> recordVerify(exchange, phone, null))
				.doOnError(ex -> recordVerify(exchange, phone, ex));
		});
	}

	private void recordSend(ServerWebExchange exchange, OtpPolicy policy, String phone, Throwable error) {
		OtpExchange.Outcome outcome = outcome(exchange);
		if (outcome == OtpExchange.Outcome.SENT) {
			this.outcomes.send(phone, policy.isTestNumber(phone) ? "test_number" : "sent", null, false,
					RequestIdFilter.of(exchange));
		}
		else if (outcome == OtpExchange.Outcome.SEND_FAILED) {
			this.outcomes.send(phone, "failed", null, false, RequestIdFilter.of(exchange));
		}
		else if (outcome == OtpExchange.Outcome.SEND_UNCONFIRMED) {
			this.outcomes.send(phone, "unconfirmed", null, false, RequestIdFilter.of(exchange));
		}
		else if (error instanceof ProblemException problem && problem.code() == ProblemCode.RATE_LIMITED) {
			Object limit = problem.extras().get("limit");
			this.outcomes.send(phone, "refused", (limit != null) ? limit.toString() : null, problem.cached(),
					RequestIdFilter.of(exchange));
		}
		else if (error instanceof ProblemException problem && problem.code() == ProblemCode.STORE_UNAVAILABLE) {
			this.outcomes.send(phone, "store_unavailable", null, false, RequestIdFilter.of(exchange));
		}
	}

	private void recordVerify(ServerWebExchange exchange, String phone, Throwable error) {
		OtpExchange.Outcome outcome = outcome(exchange);
		String recorded = null;
		if (outcome == OtpExchange.Outcome.VERIFIED) {
			recorded = "verified";
		}
		else if (outcome == OtpExchange.Outcome.WRONG_CODE) {
			recorded = "invalid";
		}
		else if (outcome == OtpExchange.Outcome.NO_CODE) {
			recorded = "expired";
		}
		else if (error instanceof ProblemException problem) {
			recorded = switch (problem.code()) {
				case OTP_EXPIRED -> "expired";
				case OTP_ATTEMPTS_EXHAUSTED -> "exhausted";
				case VERIFY_LOCKED -> "locked";
				case STORE_UNAVAILABLE -> "store_unavailable";
				default -> null;
			};
		}
		if (recorded != null) {
			this.outcomes.verify(phone, recorded, RequestIdFilter.of(exchange));
		}
	}

	private Mono<Void> proceed(ServerWebExchange exchange, GatewayFilterChain chain, OtpExchange otp) {
		exchange.getAttributes().put(OtpExchange.ATTRIBUTE, otp);
		exchange.getResponse().getHeaders().putAll(RateLimitHeaders.of(otp.decisions()));
		ServerHttpRequest replay = new CachedBodyRequest(exchange.getRequest(), otp.request().body());
		return chain.filter(exchange.mutate().request(replay).build());
	}

	/**
	 * Gives the send's tokens back only when no SMS can have gone out; an unconfirmed send keeps them spent, as
	 * its message may still arrive.
	 */
	private Mono<Void> settleSend(Mono<Void> call, ServerWebExchange exchange, OtpPolicy policy, String phone,
			String clientKey, List<RateLimitDecision> decisions) {
		Mono<Void> settle = Mono.defer(() -> (outcome(exchange) == OtpExchange.Outcome.SEND_FAILED)
				? this.admission.refundSend(policy.limits(), phone, clientKey, decisions)
					.onErrorResume(ex -> Mono.empty())
				: Mono.empty());
		return withSettlement(call, settle);
	}

	private Mono<Void> settleVerify(Mono<Void> call, ServerWebExchange exchange, OtpPolicy policy, String phone,
			VerifyAdmission admitted) {
		Mono<Void> settle = Mono.defer(() -> this.admission
			.settleVerify(policy.limits(), phone, admitted, outcome(exchange) == OtpExchange.Outcome.WRONG_CODE)
			.onErrorResume(ex -> Mono.empty()));
		return withSettlement(call, settle);
	}

	private static Mono<Void> withSettlement(Mono<Void> call, Mono<Void> settle) {
		return call.onErrorResume(ex -> settle.then(Mono.error(ex))).then(settle);
	}

	private static OtpExchange.Outcome outcome(ServerWebExchange exchange) {
		return exchange.getAttribute(OtpExchange.OUTCOME_ATTRIBUTE);
	}

	private static Mono<byte[]> readBody(ServerHttpRequest request, int maxBytes) {
		return DataBufferUtils.join(request.getBody(), maxBytes)
			.map(buffer -> {
				byte[] bytes = new byte[buffer.readableByteCount()];
				buffer.read(bytes);
				DataBufferUtils.release(buffer);
				return bytes;
			})
			.defaultIfEmpty(new byte[0])
			.onErrorMap(DataBufferLimitException.class,
					ex -> ProblemException.of(ProblemCode.PAYLOAD_TOO_LARGE,
							"The request body is larger than " + maxBytes + " bytes.").build());
	}

	private static ProblemException tooLarge(OtpPolicy policy) {
		return ProblemException
			.of(ProblemCode.PAYLOAD_TOO_LARGE, "The request body is larger than " + policy.maxBodyBytes() + " bytes.")
			.build();
	}

	private static boolean isJson(HttpHeaders headers) {
		MediaType contentType;
		try {
			contentType = headers.getContentType();
		}
		catch (InvalidMediaTypeException ex) {
			// An unparseable Content-Type (or an unknown charset) is the client's mistake: 415, not a 500.
			return false;
		}
		if (contentType == null || contentType.isWildcardType() || contentType.isWildcardSubtype()) {
			return false;
		}
		boolean json = MediaType.APPLICATION_JSON.isCompatibleWith(contentType)
				|| ("application".equals(contentType.getType()) && contentType.getSubtype().endsWith("+json"));
		// JSON is UTF-8 (RFC 8259); a client declaring another charset encoded its body for a different reader.
		Charset charset = contentType.getCharset();
		return json && (charset == null || StandardCharsets.UTF_8.equals(charset));
	}

	private static void checkCodeFormat(String code, int length) {
		boolean digits = code.length() == length && code.chars().allMatch(c -> c >= '0' && c <= '9');
		if (!digits) {
			throw ProblemException
				.of(ProblemCode.INVALID_CODE_FORMAT, "The field 'otp_code' must be exactly " + length + " digits.")
				.build();
		}
	}

	/** Which OTP step a route admits. */
	public enum Operation {

		/** request-otp: the send limits. */
		SEND,

		/** verify-otp: the failed-verification budget and the code's attempt cap. */
		VERIFY

	}

	/** Route configuration: {@code OtpAdmission=send} or {@code OtpAdmission=verify}. */
	public static class Config {

		/** The OTP step this route admits. */
		private Operation operation = Operation.SEND;

		public Operation getOperation() {
			return this.operation;
		}

		public void setOperation(Operation operation) {
			this.operation = operation;
		}

	}

	/** Replays the body the filter read, so a route that proxies on still sends it. */
	private static final class CachedBodyRequest extends ServerHttpRequestDecorator {

		private final byte[] body;

		CachedBodyRequest(ServerHttpRequest delegate, byte[] body) {
			super(delegate);
			this.body = body;
		}

		@Override
		public Flux<DataBuffer> getBody() {
			return Flux.defer(() -> Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(this.body)));
		}

	}

}
