package kz.cvety.otp.sms;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.netty.channel.ConnectTimeoutException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.channel.AbortedException;
import reactor.test.StepVerifier;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.client.WebClientRequestException;

import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ResilientSmsSenderTest {

	static final SmsMessage MESSAGE = new SmsMessage("+77771234567", "123456", "code 123456");

	static final Duration RETRY_AFTER_ON_FAILURE = Duration.ofSeconds(5);

	final MutableClock clock = new MutableClock();

	@Test
	void deliveredMessageCompletesAfterOneAttempt() {
		ScriptedSender provider = new ScriptedSender(attempt -> Mono.empty());

		StepVerifier.create(sender(provider, settings(10, Duration.ofSeconds(30))).send(MESSAGE)).verifyComplete();

		assertThat(provider.attempts()).isEqualTo(1);
	}

	@Test
	void connectionFailureIsRetriedOnceAndThenDelivered() {
		ScriptedSender provider = new ScriptedSender(
				attempt -> (attempt == 1) ? Mono.error(connectionRefused()) : Mono.empty());

		StepVerifier.create(sender(provider, settings(10, Duration.ofSeconds(30))).send(MESSAGE)).verifyComplete();

		assertThat(provider.attempts()).isEqualTo(2);
	}

	@Test
	void secondConnectionFailureIsNotRetriedAgain() {
		ScriptedSender provider = new ScriptedSender(attempt -> Mono.error(connectionRefused()));

		ProblemException problem = failure(sender(provider, settings(10, Duration.ofSeconds(30))).send(MESSAGE));

		assertThat(provider.attempts()).isEqualTo(2);
		assertThat(problem.retryAfter()).isEqualTo(RETRY_AFTER_ON_FAILURE);
		assertThat(problem.status().value()).isEqualTo(503);
		assertThat(SmsFailure.of(problem)).isEqualTo(SmsFailure.NOT_RECEIVED);
		assertThat(problem.detail()).isEqualTo("The SMS could not be sent; try again later.");
	}

	@Test
	void providerErrorIsNotRetried() {
		ScriptedSender provider = new ScriptedSender(
				attempt -> Mono.error(new SmsDeliveryException(HttpStatus.INTERNAL_SERVER_ERROR)));

		ProblemException problem = failure(sender(provider, settings(10, Duration.ofSeconds(30))).send(MESSAGE));

		assertThat(provider.attempts()).isEqualTo(1);
		assertThat(problem.getCause()).isInstanceOf(SmsSendException.class)
			.hasCauseInstanceOf(SmsDeliveryException.class);
		assertThat(SmsFailure.of(problem)).isEqualTo(SmsFailure.UNCONFIRMED);
		assertThat(problem.detail()).contains("may still arrive").contains("works until it expires");
		assertThat(problem.retryAfter()).isEqualTo(RETRY_AFTER_ON_FAILURE);
	}

	@Test
	void hangUpAfterSendingIsNotRetried() {
		ScriptedSender provider = new ScriptedSender(attempt -> Mono.error(requestFailed(
				new IOException("Connection prematurely closed BEFORE response"))));

		ProblemException problem = failure(sender(provider, settings(10, Duration.ofSeconds(30))).send(MESSAGE));

		assertThat(provider.attempts()).isEqualTo(1);
		assertThat(SmsFailure.of(problem)).isEqualTo(SmsFailure.UNCONFIRMED);
	}

	@Test
	void slowProviderTimesOutAndIsNotRetried() {
		ScriptedSender provider = new ScriptedSender(attempt -> Mono.never());
		ResilientSmsSender sender = sender(provider, settings(10, Duration.ofSeconds(30)));

		StepVerifier.withVirtualTime(() -> sender.send(MESSAGE))
			.expectSubscription()
			.thenAwait(Duration.ofSeconds(2))
			.expectErrorSatisfies(error -> assertThat(error).isInstanceOfSatisfying(ProblemException.class,
					problem -> {
						assertThat(problem.code()).isEqualTo(ProblemCode.SMS_UNAVAILABLE);
						assertThat(problem.getCause()).hasCauseInstanceOf(TimeoutException.class);
						assertThat(SmsFailure.of(problem)).isEqualTo(SmsFailure.UNCONFIRMED);
					}))
			.verify(Duration.ofSeconds(5));

		assertThat(provider.attempts()).isEqualTo(1);
	}

	@Test
	void openCircuitFailsFastAndAnnouncesTheTimeLeftUntilItHalfOpensPlusItsTrialCalls() {
		ScriptedSender provider = new ScriptedSender(
				attempt -> Mono.error(new SmsDeliveryException(HttpStatus.BAD_GATEWAY)));
		ResilientSmsSender sender = sender(provider, settings(4, Duration.ofSeconds(30)));

		for (int i = 0; i < 3; i++) {
			assertThat(failure(sender.send(MESSAGE)).retryAfter()).isEqualTo(RETRY_AFTER_ON_FAILURE);
		}
		// The failure that opens the circuit already announces the full open time, plus the trial calls' timeout.
		assertThat(failure(sender.send(MESSAGE)).retryAfter()).isEqualTo(Duration.ofSeconds(31));
		assertThat(sender.circuitBreaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);

		this.clock.advance(Duration.ofSeconds(12));
		ProblemException refused = failure(sender.send(MESSAGE));
		assertThat(refused.getCause()).hasCauseInstanceOf(CallNotPermittedException.class);
		assertThat(SmsFailure.of(refused)).isEqualTo(SmsFailure.NOT_RECEIVED);
		assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(19));
		assertThat(provider.attempts()).isEqualTo(4);

		this.clock.advance(Duration.ofMillis(17_500));
		assertThat(failure(sender.send(MESSAGE)).retryAfter()).isEqualTo(Duration.ofMillis(1500));
		assertThat(provider.attempts()).isEqualTo(4);
	}

	@Test
	void circuitClosesWhenTrialCallsSucceedAfterTheOpenTime() {
		AtomicReference<Mono<Void>> answer = new AtomicReference<>(
				Mono.error(new SmsDeliveryException(HttpStatus.SERVICE_UNAVAILABLE)));
		ScriptedSender provider = new ScriptedSender(attempt -> answer.get());
		ResilientSmsSender sender = sender(provider, settings(4, Duration.ofSeconds(30)));
		for (int i = 0; i < 4; i++) {
			failure(sender.send(MESSAGE));
		}
		answer.set(Mono.empty());

		this.clock.advance(Duration.ofSeconds(31));
		StepVerifier.create(sender.send(MESSAGE)).verifyComplete();
		assertThat(sender.circuitBreaker().getState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
		StepVerifier.create(sender.send(MESSAGE)).verifyComplete();

		assertThat(sender.circuitBreaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
		assertThat(provider.attempts()).isEqualTo(6);
	}

	@Test
	void onlyFailuresBeforeAnyConnectionCountAsConnectFailures() {
		assertThat(ResilientSmsSender.isConnectFailure(connectionRefused())).isTrue();
		assertThat(ResilientSmsSender.isConnectFailure(requestFailed(new ConnectTimeoutException("connect timed out"))))
			.isTrue();
		assertThat(ResilientSmsSender.isConnectFailure(requestFailed(new IOException("Connection reset by peer"))))
			.isFalse();
		assertThat(ResilientSmsSender.isConnectFailure(new TimeoutException())).isFalse();
		assertThat(ResilientSmsSender.isConnectFailure(new SmsDeliveryException(HttpStatus.BAD_GATEWAY))).isFalse();
	}

	@Test
	void onlyFailuresBeforeTheRequestWasWrittenAreCertainlyNotReceived() {
		CircuitBreaker open = CircuitBreaker.ofDefaults("open");
		open.transitionToOpenState();
		assertThat(ResilientSmsSender.classify(connectionRefused())).isEqualTo(SmsFailure.NOT_RECEIVED);
		assertThat(ResilientSmsSender.classify(requestFailed(new ConnectTimeoutException("connect timed out"))))
			.isEqualTo(SmsFailure.NOT_RECEIVED);
		assertThat(ResilientSmsSender.classify(requestFailed(new UnknownHostException("sms.example"))))
			.isEqualTo(SmsFailure.NOT_RECEIVED);
		assertThat(ResilientSmsSender.classify(requestFailed(new NoRouteToHostException("No route to host"))))
			.isEqualTo(SmsFailure.NOT_RECEIVED);
		assertThat(ResilientSmsSender.classify(CallNotPermittedException.createCallNotPermittedException(open)))
			.isEqualTo(SmsFailure.NOT_RECEIVED);
		assertThat(ResilientSmsSender.classify(requestFailed(AbortedException.beforeSend())))
			.isEqualTo(SmsFailure.NOT_RECEIVED);

		assertThat(ResilientSmsSender.classify(new TimeoutException())).isEqualTo(SmsFailure.UNCONFIRMED);
		assertThat(ResilientSmsSender.classify(new SmsDeliveryException(HttpStatus.INTERNAL_SERVER_ERROR)))
			.isEqualTo(SmsFailure.UNCONFIRMED);
		assertThat(ResilientSmsSender.classify(new SmsDeliveryException(HttpStatus.BAD_REQUEST)))
			.isEqualTo(SmsFailure.UNCONFIRMED);
		assertThat(ResilientSmsSender.classify(
				requestFailed(new IOException("Connection prematurely closed BEFORE response"))))
			.isEqualTo(SmsFailure.UNCONFIRMED);
		assertThat(ResilientSmsSender.classify(requestFailed(new IOException("Connection reset by peer"))))
			.isEqualTo(SmsFailure.UNCONFIRMED);
		assertThat(ResilientSmsSender.classify(requestFailed(new AbortedException("Connection has been closed"))))
			.isEqualTo(SmsFailure.UNCONFIRMED);
		assertThat(ResilientSmsSender.classify(new IllegalStateException("anything else")))
			.isEqualTo(SmsFailure.UNCONFIRMED);
	}

	@Test
	void settingsRejectMinimumCallsAboveTheWindowNamingBoth() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ResilientSmsSender.Settings(Duration.ofSeconds(1), Duration.ZERO, 50, 5, 6,
					Duration.ofSeconds(30), 1, Duration.ofSeconds(5)))
			.withMessageContaining("minimumNumberOfCalls (6)")
			.withMessageContaining("slidingWindowSize (5)");
	}

	@Test
	void settingsRejectNonPositiveDurations() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ResilientSmsSender.Settings(Duration.ZERO, Duration.ZERO, 50, 5, 5,
					Duration.ofSeconds(30), 1, Duration.ofSeconds(5)))
			.withMessageContaining("timeout");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ResilientSmsSender.Settings(Duration.ofSeconds(1), Duration.ZERO, 50, 5, 5,
					Duration.ofSeconds(-1), 1, Duration.ofSeconds(5)))
			.withMessageContaining("waitDurationInOpenState");
	}

	@Test
	void itsCircuitBreakerIsMadeInTheGivenRegistryWithItsOwnSettings() {
		CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();
		ResilientSmsSender.Settings settings = settings(8, Duration.ofSeconds(3));
		ResilientSmsSender sender = new ResilientSmsSender(message -> Mono.empty(), settings, registry, this.clock);
		assertThat(registry.find(ResilientSmsSender.NAME)).containsSame(sender.circuitBreaker());
		assertThat(sender.circuitBreaker().getCircuitBreakerConfig().getSlidingWindowSize()).isEqualTo(8);
	}

	@Test
	void defaultSettingsAreValid() {
		assertThat(ResilientSmsSender.Settings.defaults().timeout()).isEqualTo(Duration.ofSeconds(5));
	}

	private ResilientSmsSender sender(SmsSender provider, ResilientSmsSender.Settings settings) {
		return new ResilientSmsSender(provider, settings, CircuitBreakerRegistry.ofDefaults(), this.clock);
	}

	@Test
	void messagesTheProviderRefusesNeverOpenTheCircuitButItsThrottlingDoes() {
		ScriptedSender refusing = new ScriptedSender(attempt -> Mono.error(new SmsDeliveryException(
				(attempt % 2 == 0) ? HttpStatus.BAD_REQUEST : HttpStatus.UNPROCESSABLE_CONTENT)));
		ResilientSmsSender sender = sender(refusing, settings(4, Duration.ofSeconds(30)));

		for (int i = 0; i < 12; i++) {
			ProblemException problem = failure(sender.send(MESSAGE));
			assertThat(problem.retryAfter()).isEqualTo(RETRY_AFTER_ON_FAILURE);
			assertThat(problem.getCause()).hasCauseInstanceOf(SmsDeliveryException.class);
		}
		assertThat(refusing.attempts()).isEqualTo(12);
		assertThat(sender.circuitBreaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
		assertThat(sender.circuitBreaker().getMetrics().getNumberOfFailedCalls()).isZero();

		ScriptedSender throttling = new ScriptedSender(
				attempt -> Mono.error(new SmsDeliveryException(HttpStatus.TOO_MANY_REQUESTS)));
		ResilientSmsSender throttled = sender(throttling, settings(4, Duration.ofSeconds(30)));
		for (int i = 0; i < 4; i++) {
			failure(throttled.send(MESSAGE));
		}
		assertThat(throttled.circuitBreaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);
	}

	/** Opens at half failures of a full window, closes after two good trial calls. */
	private static ResilientSmsSender.Settings settings(int window, Duration openFor) {
		return new ResilientSmsSender.Settings(Duration.ofSeconds(1), Duration.ofMillis(10), 50, window, window,
				openFor, 2, RETRY_AFTER_ON_FAILURE);
	}

	private static ProblemException failure(Mono<Void> send) {
		return SmsFailures.smsUnavailable(send, MESSAGE);
	}

	private static WebClientRequestException connectionRefused() {
		return requestFailed(new ConnectException("Connection refused"));
	}

	private static WebClientRequestException requestFailed(Throwable cause) {
		return new WebClientRequestException(cause, HttpMethod.POST, URI.create("http://127.0.0.1:9/sms"),
				HttpHeaders.EMPTY);
	}

	/** A provider that answers each attempt as scripted and counts the attempts it saw. */
	private static final class ScriptedSender implements SmsSender {

		private final AtomicInteger attempts = new AtomicInteger();

		private final IntFunction<Mono<Void>> script;

		ScriptedSender(IntFunction<Mono<Void>> script) {
			this.script = script;
		}

		@Override
		public Mono<Void> send(SmsMessage message) {
			return Mono.defer(() -> this.script.apply(this.attempts.incrementAndGet()));
		}

		int attempts() {
			return this.attempts.get();
		}

	}

	/** A clock that moves only when told, shared by the circuit breaker and the Retry-After arithmetic. */
	private static final class MutableClock extends Clock {

		private volatile Instant now = Instant.parse("2025-03-08T09:00:00Z");

		void advance(Duration duration) {
			this.now = this.now.plus(duration);
		}

		@Override
		public ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(ZoneId zone) {
			return this;
		}

		@Override
		public Instant instant() {
			return this.now;
		}

	}

}
