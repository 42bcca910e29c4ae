package kz.cvety.otp.web;

import java.util.List;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;

import kz.cvety.otp.OtpOutcomes;
import kz.cvety.otp.OtpSettings;
import kz.cvety.otp.admission.OtpAdmission;
import kz.cvety.otp.admission.SendOutcome;
import kz.cvety.otp.admission.VerifyOutcome;
import kz.cvety.otp.client.ClientIpResolver;
import kz.cvety.otp.client.ClientIpResolver.ClientIp;
import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;
import kz.cvety.otp.ratelimit.RateLimitHeaders;
import kz.cvety.otp.support.DetachedWork;

/**
 * The OTP admission filter, {@code OtpAdmission=send} or {@code OtpAdmission=verify} in a route. It reads the
 * request ({@link OtpRequestReader}), keys it (the phone in E.164, the client by {@link ClientIpResolver}), admits
 * it ({@link OtpAdmission}), proceeds to the handler, settles the admission by how the handler says the request
 * ended, and records that outcome once; a refusal is answered right here as a problem.
 */
public class OtpAdmissionGatewayFilterFactory extends AbstractGatewayFilterFactory<OtpAdmissionGatewayFilterFactory.Config> {

	private final Supplier<OtpSettings> policies;

	private final OtpAdmission admission;

	private final OtpOutcomes outcomes;

	private final @Nullable WarmUpTraffic warmUp;

	private final DetachedWork detached;

	private final OtpRequestReader reader = new OtpRequestReader();

	public OtpAdmissionGatewayFilterFactory(Supplier<OtpSettings> policies, OtpAdmission admission,
			OtpOutcomes outcomes) {
		this(policies, admission, outcomes, null);
	}

	/**
	 * @param warmUp recognises the start-up warm-up's own requests, which run on its throwaway parts, their
	 * outcomes neither logged nor counted in a meter anyone reads; null when there is no warm-up
	 */
	public OtpAdmissionGatewayFilterFactory(Supplier<OtpSettings> policies, OtpAdmission admission,
			OtpOutcomes outcomes, @Nullable WarmUpTraffic warmUp) {
		this(policies, admission, outcomes, warmUp, new DetachedWork());
	}

	/**
	 * @param detached counts the admitted requests that run on after their client has gone, for shutdown to wait
	 * for
	 */
	public OtpAdmissionGatewayFilterFactory(Supplier<OtpSettings> policies, OtpAdmission admission,
			OtpOutcomes outcomes, @Nullable WarmUpTraffic warmUp, DetachedWork detached) {
		super(Config.class);
		this.policies = policies;
		this.admission = admission;
		this.outcomes = outcomes;
		this.warmUp = warmUp;
		this.detached = detached;
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
		WarmUpTraffic warmUp = this.warmUp;
		Parts parts = (warmUp != null && warmUp.carries(exchange.getRequest()))
				? new Parts(warmUp.settings(this.policies.get()), warmUp.throwaway().admission(),
						warmUp.throwaway().outcomes(), warmUp)
				: new Parts(this.policies.get(), this.admission, this.outcomes, null);
		OtpSettings policy = parts.policy();
		return this.reader.read(exchange.getRequest(), operation == Operation.VERIFY, policy.maxBodyBytes())
			.flatMap(request -> {
				String phone = policy.phones().toE164(request.phone());
				ClientIp client = policy.clientIps().resolve(exchange.getRequest());
				if (parts.warmUp() != null) {
					parts.warmUp().touched(policy, phone, client);
				}
				return (operation == Operation.SEND) ? send(exchange, chain, parts, request, phone, client)
						: verify(exchange, chain, parts, request, phone, client);
			});
	}

	private Mono<Void> send(ServerWebExchange exchange, GatewayFilterChain chain, Parts parts, OtpRequest request,
			String phone, ClientIp client) {
		OtpSettings policy = parts.policy();
		return parts.admission()
			.admitSend(policy.limits(), policy.pumping(), phone, client)
			.doOnError(refused -> recordSend(parts, exchange, phone, null, refused))
			.flatMap(admitted -> {
				OtpExchange otp = new OtpExchange(policy, request, phone, client.address(), null, admitted.decisions(),
						parts.warmUp() != null);
				return toItsEnd(settling(proceed(exchange, chain, otp), () -> admitted.settle(otp.sendOutcome()))
					.doOnSuccess(done -> recordSend(parts, exchange, phone, otp.sendOutcome(), null))
					.doOnError(failed -> recordSend(parts, exchange, phone, otp.sendOutcome(), failed)), this.detached);
			});
	}

	private Mono<Void> verify(ServerWebExchange exchange, GatewayFilterChain chain, Parts parts, OtpRequest request,
			String phone, ClientIp client) {
		OtpSettings policy = parts.policy();
		checkCodeFormat(request.otpCode(), policy.codeLength());
		return parts.admission()
			.admitVerify(policy.limits(), policy.pumping(), phone, client, policy.maxAttempts())
			.doOnError(refused -> recordVerify(parts, exchange, phone, null, refused))
			.flatMap(admitted -> {
				OtpExchange otp = new OtpExchange(policy, request, phone, client.address(), admitted.reservation(),
						admitted.decisions(), parts.warmUp() != null);
				return toItsEnd(
						settling(proceed(exchange, chain, otp), () -> admitted.settle(parts.settled(otp.verifyOutcome())))
							.doOnSuccess(done -> recordVerify(parts, exchange, phone, otp.verifyOutcome(), null))
							.doOnError(failed -> recordVerify(parts, exchange, phone, otp.verifyOutcome(), failed)),
						this.detached);
			});
	}

	/** One decision record per request: the handler's word if it ran, else what the refusal says. */
	private static void recordSend(Parts parts, ServerWebExchange exchange, String phone, @Nullable SendOutcome ended,
			@Nullable Throwable error) {
		SendOutcome outcome = (ended != null || error == null) ? ended : SendOutcome.refusedWith(error);
		if (outcome != null) {
			ProblemException problem = (ended == null && error instanceof ProblemException p) ? p : null;
			parts.outcomes().send(phone, outcome, (problem != null) ? problem.limit() : null,
					problem != null && problem.cached(), RequestIdFilter.of(exchange));
		}
	}

	private static void recordVerify(Parts parts, ServerWebExchange exchange, String phone,
			@Nullable VerifyOutcome ended, @Nullable Throwable error) {
		VerifyOutcome outcome = (ended != null || error == null) ? ended : VerifyOutcome.refusedWith(error);
		if (outcome != null) {
			parts.outcomes().verify(phone, outcome, RequestIdFilter.of(exchange));
		}
	}

	private Mono<Void> proceed(ServerWebExchange exchange, GatewayFilterChain chain, OtpExchange otp) {
		exchange.getAttributes().put(OtpExchange.ATTRIBUTE, otp);
		exchange.getResponse().getHeaders().putAll(RateLimitHeaders.of(otp.decisions()));
		ServerHttpRequest replay = new CachedBodyRequest(exchange.getRequest(), otp.request().body());
		return chain.filter(exchange.mutate().request(replay).build());
	}

	/**
	 * {@code work}, run to its end even if the client goes away meanwhile. Once admitted, a send's SMS may be on its
	 * way and a verification may have used its code: how it ended must still be settled (tokens kept or given
	 * back, the pumping guard's count) and recorded, and the provider's or backend's reply read to its end rather
	 * than cut off half-read. The client's cancel only stops listening; Reactor has no operator that ignores a
	 * cancel while keeping the subscriber's context, hence the sink. Every step of {@code work} has its own
	 * time-out (Redis phases, SMS, backend), so nothing runs on unbounded; {@code detached} counts it until it ends,
	 * for shutdown to wait for.
	 */
	static Mono<Void> toItsEnd(Mono<Void> work, DetachedWork detached) {
		return Mono.deferContextual(context -> {
			Sinks.Empty<Void> ended = Sinks.empty();
			detached.counted(work).contextWrite(context).subscribe(null, ended::tryEmitError, ended::tryEmitEmpty);
			return ended.asMono();
		});
	}

	/** {@code call}, then its settlement, whether it completed or failed; a failed settlement is not the client's. */
	private static Mono<Void> settling(Mono<Void> call, Supplier<Mono<Void>> settlement) {
		Mono<Void> settle = Mono.defer(settlement).onErrorResume(ex -> Mono.empty());
		return call.onErrorResume(ex -> settle.then(Mono.error(ex))).then(settle);
	}

	private static void checkCodeFormat(String code, int length) {
		boolean digits = code.length() == length && code.chars().allMatch(c -> c >= '0' && c <= '9');
		if (!digits) {
			throw ProblemException
				.of(ProblemCode.INVALID_CODE_FORMAT, "The field 'otp_code' must be exactly " + length + " digits.")
				.build();
		}
	}

	/**
	 * What a request runs on: a customer's on the real settings, admission and outcome records; a warm-up request
	 * on the warm-up's throwaway ones, of the same classes, recorded nowhere anyone reads.
	 */
	private record Parts(OtpSettings policy, OtpAdmission admission, OtpOutcomes outcomes,
			@Nullable WarmUpTraffic warmUp) {

		/** A warm-up guess settles as wrong even if it was right: a verification would count for the guard. */
		@Nullable VerifyOutcome settled(@Nullable VerifyOutcome outcome) {
			return (this.warmUp != null && outcome == VerifyOutcome.VERIFIED) ? VerifyOutcome.INVALID : outcome;
		}

	}

	/** Which OTP step a route admits. */
	public enum Operation {

		/** request-otp: the send limits. */
		SEND,

		/** verify-otp: the code's attempt cap and the failed-verification budgets. */
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
