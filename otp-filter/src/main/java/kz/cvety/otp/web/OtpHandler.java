package kz.cvety.otp.web;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;

import kz.cvety.otp.OtpService;
import kz.cvety.otp.admission.SendOutcome;
import kz.cvety.otp.admission.VerifyOutcome;
import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;
import kz.cvety.otp.sms.SmsFailure;
import kz.cvety.otp.store.AttemptReservation;

/**
 * The embedded OTP endpoints behind the gateway routes: issue a code, verify a code. Reachable only through a
 * route with the admission filter: without the filter's exchange attribute every request is refused with 404.
 */
public final class OtpHandler {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final OtpService service;

	private final @Nullable BackendHandoff handoff;

	private final @Nullable OtpService warmUpService;

	/**
	 * @param handoff forwards verified requests to the backend; null when hand-off is not configured
	 */
	public OtpHandler(OtpService service, @Nullable BackendHandoff handoff) {
		this(service, handoff, null);
	}

	/**
	 * @param handoff forwards verified requests to the backend; null when hand-off is not configured
	 * @param warmUpService serves the start-up warm-up's own requests (throwaway keys, no SMS, worthless tokens);
	 * null when there is no warm-up
	 */
	public OtpHandler(OtpService service, @Nullable BackendHandoff handoff, @Nullable OtpService warmUpService) {
		this.service = service;
		this.handoff = handoff;
		this.warmUpService = warmUpService;
	}

	/** {@code POST /api/auth/request-otp}, after admission. */
	public Mono<ServerResponse> requestOtp(ServerRequest request) {
		ServerWebExchange exchange = request.exchange();
		OtpExchange otp = admitted(exchange);
		return serviceFor(otp).issue(otp.policy(), otp.phone())
			.doOnError(ex -> otp.ended((SmsFailure.of(ex) == SmsFailure.UNCONFIRMED) ? SendOutcome.UNCONFIRMED
					: SendOutcome.FAILED))
			.then(Mono.defer(() -> {
				otp.ended(otp.policy().isTestNumber(otp.phone()) ? SendOutcome.TEST_NUMBER : SendOutcome.SENT);
				Map<String, Object> body = new LinkedHashMap<>();
				body.put("status", "sent");
				body.put("phone", otp.phone());
				body.put("expires_in", otp.policy().ttl().toSeconds());
				return ok(body);
			}));
	}

	/** {@code POST /api/auth/verify-otp}, after admission. */
	public Mono<ServerResponse> verifyOtp(ServerRequest request) {
		ServerWebExchange exchange = request.exchange();
		OtpExchange otp = admitted(exchange);
		AttemptReservation reservation = otp.reservation();
		String code = otp.request().otpCode();
		if (reservation == null || code == null) {
			return Mono.error(notFound());
		}
		return serviceFor(otp).verify(otp.phone(), code, reservation).flatMap(result -> switch (result) {
			case VERIFIED -> verified(exchange, otp);
			case WRONG_CODE -> {
				otp.ended(VerifyOutcome.INVALID);
				int remaining = Math.max(0, otp.policy().maxAttempts() - reservation.attemptsUsed());
				yield Mono.error(ProblemException
					.of(ProblemCode.OTP_INVALID, (remaining > 0) ? "The code is wrong."
							: "The code is wrong, and that was its last attempt; request a new code.")
					.extra("attempts_remaining", remaining)
					.build());
			}
			case NO_CODE -> {
				otp.ended(VerifyOutcome.EXPIRED);
				yield Mono.error(ProblemException
					.of(ProblemCode.OTP_EXPIRED, "There is no live code for this phone; request a new one.")
					.build());
			}
		});
	}

	private Mono<ServerResponse> verified(ServerWebExchange exchange, OtpExchange otp) {
		otp.ended(VerifyOutcome.VERIFIED);
		String token = serviceFor(otp).token(otp.phone());
		// A warm-up request never reaches the backend, whatever its settings say.
		if (otp.policy().handoff() && !otp.warmUp()) {
			if (this.handoff == null) {
				return Mono.error(ProblemException
					.of(ProblemCode.BACKEND_UNAVAILABLE, "The backend hand-off is not available.")
					.retryAfter(Duration.ofSeconds(30))
					.build());
			}
			return this.handoff.forward(exchange, otp, token);
		}
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("status", "verified");
		body.put("phone", otp.phone());
		body.put("verification_token", token);
		return ok(body);
	}

	/** The warm-up's throwaway service for its own requests, the real one for every other. */
	private OtpService serviceFor(OtpExchange otp) {
		OtpService warmUp = this.warmUpService;
		if (otp.warmUp()) {
			if (warmUp == null) {
				throw notFound();
			}
			return warmUp;
		}
		return this.service;
	}

	/** As bytes, not the map: Spring's JSON encoder logs the value it encodes at DEBUG, phone and token included. */
	private static Mono<ServerResponse> ok(Map<String, Object> body) {
		return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(JSON.writeValueAsBytes(body));
	}

	/** Refuses every request to an internal path that did not come through the admission filter. */
	public Mono<ServerResponse> refuse(ServerRequest request) {
		return Mono.error(notFound());
	}

	private static OtpExchange admitted(ServerWebExchange exchange) {
		OtpExchange otp = OtpExchange.of(exchange);
		if (otp == null) {
			throw notFound();
		}
		return otp;
	}

	private static ProblemException notFound() {
		return ProblemException.of(ProblemCode.NOT_FOUND, "No route for this path.").build();
	}

}
