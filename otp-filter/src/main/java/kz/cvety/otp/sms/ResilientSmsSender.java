package kz.cvety.otp.sms;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.github.resilience4j.reactor.retry.RetryOperator;
import io.github.resilience4j.reactor.timelimiter.TimeLimiterOperator;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.netty.channel.AbortedException;

import org.springframework.core.NestedExceptionUtils;

import kz.cvety.otp.problem.RetryAfter;
import kz.cvety.otp.resilience.CircuitRetryAfter;
import kz.cvety.otp.phone.PhoneMasker;
import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;

/**
 * Guards an {@link SmsSender} with Resilience4j: a time limit per attempt, one retry for connection failures only,
 * and a circuit breaker; every failure becomes an {@code sms_unavailable} problem with an honest {@code Retry-After},
 * caused by an {@link SmsSendException} that says whether the provider may have taken the message.
 */
public final class ResilientSmsSender implements SmsSender {

	/** Name of the circuit breaker, retry and time limiter, as they appear in events and metrics. */
	public static final String NAME = "sms";

	private static final Log logger = LogFactory.getLog(ResilientSmsSender.class);

	/** Reactor Netty's message for a connection that closed before the request was written. */
	private static final String CLOSED_BEFORE_SEND = AbortedException.beforeSend().getMessage();

	private final SmsSender delegate;

	private final Settings settings;

	private final TimeLimiter timeLimiter;

	private final Retry retry;

	private final CircuitBreaker circuitBreaker;

	private final CircuitRetryAfter retryAfter;

	/**
	 * @param circuitBreakers the registry the circuit breaker {@value #NAME} is made in, with the settings' config
	 */
	public ResilientSmsSender(SmsSender delegate, Settings settings, CircuitBreakerRegistry circuitBreakers) {
		this(delegate, settings, circuitBreakers, Clock.systemUTC());
	}

	/**
	 * @param circuitBreakers the registry the circuit breaker {@value #NAME} is made in, with the settings' config
	 * @param clock drives the circuit breaker's open state and the announced {@code Retry-After}, so tests can
	 * move time instead of waiting
	 */
	public ResilientSmsSender(SmsSender delegate, Settings settings, CircuitBreakerRegistry circuitBreakers,
			Clock clock) {
		this.delegate = Objects.requireNonNull(delegate, "delegate");
		this.settings = Objects.requireNonNull(settings, "settings");
		Objects.requireNonNull(circuitBreakers, "circuitBreakers");
		Objects.requireNonNull(clock, "clock");
		this.timeLimiter = TimeLimiter.of(NAME, TimeLimiterConfig.custom().timeoutDuration(settings.timeout()).build());
		this.retry = Retry.of(NAME, RetryConfig.custom()
			.maxAttempts(2)
			.waitDuration(settings.retryWait())
			.retryOnException(ResilientSmsSender::isConnectFailure)
			.build());
		this.circuitBreaker = circuitBreakers.circuitBreaker(NAME, CircuitBreakerConfig.custom()
			.slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
			.slidingWindowSize(settings.slidingWindowSize())
			.minimumNumberOfCalls(settings.minimumNumberOfCalls())
			.failureRateThreshold(settings.failureRateThreshold())
			.waitDurationInOpenState(settings.waitDurationInOpenState())
			.permittedNumberOfCallsInHalfOpenState(settings.permittedCallsInHalfOpenState())
			.ignoreException(ResilientSmsSender::refusedThisMessage)
			.writableStackTraceEnabled(false)
			.clock(clock)
			.build());
		this.retryAfter = new CircuitRetryAfter(this.circuitBreaker, clock);
		this.circuitBreaker.getEventPublisher().onStateTransition(event -> {
			CircuitBreaker.StateTransition transition = event.getStateTransition();
			String text = "SMS circuit breaker " + transition.getFromState() + " -> " + transition.getToState();
			if (transition.getToState() == CircuitBreaker.State.OPEN) {
				logger.warn(text + "; calls refused for " + settings.waitDurationInOpenState().toSeconds() + "s");
			}
			else {
				logger.info(text);
			}
		});
	}

	/**
	 * Sends through the delegate. A retry happens only when no connection could be made, so the provider cannot
	 * have seen the request: a timeout, a non-2xx answer or a hang-up after sending is never retried, or a
	 * customer could get two texts. Give the delegate's HTTP client a connect timeout shorter than
	 * {@link Settings#timeout()}, so a slow connect fails as a connection failure (retried) rather than as an
	 * attempt timeout (not retried). {@code Retry-After} is the time left until the circuit half-opens plus one
	 * attempt's timeout (for its trial calls) when it is open, {@link Settings#retryAfterOnFailure()} otherwise,
	 * and at least one second. The problem's {@link SmsSendException} cause is {@link SmsFailure#NOT_RECEIVED} only
	 * when the provider certainly received nothing, {@link SmsFailure#UNCONFIRMED} otherwise.
	 */
	@Override
	public Mono<Void> send(SmsMessage message) {
		// Retry outermost: each attempt has its own time limit and is recorded by the circuit breaker, and an
		// open circuit (CallNotPermittedException) is not a connection failure, so it is not retried.
		return Mono.defer(() -> this.delegate.send(message))
			.transformDeferred(TimeLimiterOperator.of(this.timeLimiter))
			.transformDeferred(CircuitBreakerOperator.of(this.circuitBreaker))
			.transformDeferred(RetryOperator.of(this.retry))
			.onErrorMap(error -> toProblem(message, error));
	}

	/**
	 * Whether the provider refused this one message (400 or 422: a number or text it will not take). That says
	 * nothing about the provider's health, so the circuit breaker neither counts it as a failure nor as a success:
	 * otherwise a ring sending to numbers the provider refuses would open the circuit for every customer. Its
	 * throttling (429), time-outs (408) and refusals of our account (401, 403) do count.
	 */
	static boolean refusedThisMessage(Throwable error) {
		return error instanceof SmsDeliveryException delivery
				&& (delivery.status().value() == 400 || delivery.status().value() == 422);
	}

	/** The circuit breaker guarding the provider, for health and metrics. */
	public CircuitBreaker circuitBreaker() {
		return this.circuitBreaker;
	}

	private ProblemException toProblem(SmsMessage message, Throwable error) {
		Duration retryAfter = retryAfter();
		SmsFailure failure = classify(error);
		boolean unconfirmed = failure == SmsFailure.UNCONFIRMED;
		logger.warn("SMS to " + PhoneMasker.mask(message.phone())
				+ (unconfirmed ? " unconfirmed, the provider may have taken it: " : " not sent: ") + describe(error)
				+ " (circuit " + this.circuitBreaker.getState() + ", Retry-After "
				+ RetryAfter.seconds(retryAfter) + "s)");
		String detail = unconfirmed
				? "The SMS provider did not confirm the message: it may still arrive, and its code then works until it "
						+ "expires. Requesting another code replaces it."
				: "The SMS could not be sent; try again later.";
		return ProblemException.of(ProblemCode.SMS_UNAVAILABLE, detail)
			.retryAfter(retryAfter)
			.cause(new SmsSendException(failure, error))
			.build();
	}

	private Duration retryAfter() {
		// While open: until half-open, plus one attempt's timeout for the trial calls that decide whether it closes.
		return this.retryAfter.retryAfter(this.settings.retryAfterOnFailure(), this.settings.timeout());
	}

	private String describe(Throwable error) {
		if (error instanceof CallNotPermittedException) {
			return "circuit breaker does not permit calls";
		}
		if (error instanceof TimeoutException) {
			return "no answer within " + this.settings.timeout().toMillis() + " ms";
		}
		if (error instanceof SmsDeliveryException) {
			return error.getMessage();
		}
		// The root cause names the host and port at most; the exception itself may carry the full webhook URL.
		Throwable root = NestedExceptionUtils.getMostSpecificCause(error);
		return root.getClass().getName() + ": " + root.getMessage();
	}

	/**
	 * Whether the provider certainly received nothing: no connection was made, the open circuit refused the call,
	 * or the connection closed before the request was written. Anything else (a time-out, a non-2xx answer, a
	 * connection lost after sending, an error not known here) may have delivered the message.
	 */
	static SmsFailure classify(Throwable error) {
		if (causedBy(error, t -> t instanceof CallNotPermittedException) || isConnectFailure(error)
				|| causedBy(error, t -> t instanceof AbortedException && CLOSED_BEFORE_SEND.equals(t.getMessage()))) {
			return SmsFailure.NOT_RECEIVED;
		}
		return SmsFailure.UNCONFIRMED;
	}

	/** True when the failure happened before a connection existed, so the provider saw nothing. */
	static boolean isConnectFailure(Throwable error) {
		return causedBy(error, t -> t instanceof ConnectException || t instanceof NoRouteToHostException
				|| t instanceof UnknownHostException);
	}

	private static boolean causedBy(Throwable error, Predicate<Throwable> test) {
		for (Throwable t = error; t != null; t = (t.getCause() != t) ? t.getCause() : null) {
			if (test.test(t)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * How the SMS provider is guarded: plain values rather than Resilience4j config objects, so configuration
	 * binds to one immutable record and the sender owns the breaker it reports on. The circuit breaker counts
	 * every attempt (a retried connection failure counts twice) in a count-based window.
	 *
	 * @param timeout the longest one attempt may take, connecting included
	 * @param retryWait the pause before the single retry after a connection failure
	 * @param failureRateThreshold the failure percentage (1 to 100) in the sliding window that opens the circuit
	 * @param slidingWindowSize how many recent attempts the circuit breaker looks at
	 * @param minimumNumberOfCalls how many attempts the window needs before the failure rate counts
	 * @param waitDurationInOpenState how long the open circuit refuses calls before it lets trial calls through
	 * @param permittedCallsInHalfOpenState how many trial calls decide whether the circuit closes again
	 * @param retryAfterOnFailure the {@code Retry-After} announced for a failure while the circuit is not open
	 */
	public record Settings(Duration timeout, Duration retryWait, int failureRateThreshold, int slidingWindowSize,
			int minimumNumberOfCalls, Duration waitDurationInOpenState, int permittedCallsInHalfOpenState,
			Duration retryAfterOnFailure) {

		public Settings {
			requirePositive("timeout", timeout);
			Objects.requireNonNull(retryWait, "retryWait");
			if (retryWait.isNegative()) {
				throw new IllegalArgumentException("retryWait must not be negative but was " + retryWait);
			}
			if (failureRateThreshold < 1 || failureRateThreshold > 100) {
				throw new IllegalArgumentException(
						"failureRateThreshold must be between 1 and 100 but was " + failureRateThreshold);
			}
			requireAtLeastOne("slidingWindowSize", slidingWindowSize);
			requireAtLeastOne("minimumNumberOfCalls", minimumNumberOfCalls);
			if (minimumNumberOfCalls > slidingWindowSize) {
				throw new IllegalArgumentException("minimumNumberOfCalls (" + minimumNumberOfCalls
						+ ") must not exceed slidingWindowSize (" + slidingWindowSize + ")");
			}
			requirePositive("waitDurationInOpenState", waitDurationInOpenState);
			requireAtLeastOne("permittedCallsInHalfOpenState", permittedCallsInHalfOpenState);
			requirePositive("retryAfterOnFailure", retryAfterOnFailure);
		}

		/**
		 * 5 s per attempt, 200 ms before the retry, open at 50% failures of the last 20 attempts (after at
		 * least 10), stay open 30 s, close after 3 good trial calls, announce 5 s after a single failure.
		 */
		public static Settings defaults() {
			return new Settings(Duration.ofSeconds(5), Duration.ofMillis(200), 50, 20, 10, Duration.ofSeconds(30), 3,
					Duration.ofSeconds(5));
		}

		private static void requirePositive(String name, Duration value) {
			Objects.requireNonNull(value, name);
			if (value.isNegative() || value.isZero()) {
				throw new IllegalArgumentException(name + " must be positive but was " + value);
			}
		}

		private static void requireAtLeastOne(String name, int value) {
			if (value < 1) {
				throw new IllegalArgumentException(name + " must be at least 1 but was " + value);
			}
		}

	}

}
