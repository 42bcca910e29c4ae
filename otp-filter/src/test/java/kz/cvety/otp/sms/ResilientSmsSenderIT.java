package kz.cvety.otp.sms;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import kz.cvety.otp.testing.HttpStub;
import kz.cvety.otp.testing.HttpStub.Reply;
import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The resilient sender over the real webhook sender and a real HTTP provider: what is retried (only failed
 * connects), what is not (anything the provider may have received), which failures count as unconfirmed, and the
 * circuit's open and close.
 */
class ResilientSmsSenderIT {

	static final SmsMessage MESSAGE = WebhookSmsSenderIT.MESSAGE;

	static final Duration TIMEOUT = Duration.ofSeconds(1);

	static final Duration RETRY_AFTER_ON_FAILURE = Duration.ofSeconds(3);

	final HttpStub provider = HttpStub.start();

	@BeforeAll
	static void warmUp() {
		// The JVM's first request loads codecs and starts event loops, which can take longer than TIMEOUT;
		// that start-up cost is not what these tests measure.
		try (HttpStub stub = HttpStub.start()) {
			StepVerifier.create(WebhookSmsSenderIT.sender(stub.url()).send(MESSAGE)).verifyComplete();
		}
	}

	@AfterEach
	void stopProvider() {
		this.provider.close();
	}

	@Test
	void deliveredMessageCompletes() {
		StepVerifier.create(sender(this.provider.url(), settings(10)).send(MESSAGE)).verifyComplete();

		assertThat(this.provider.requests()).hasSize(1);
	}

	@ParameterizedTest
	@ValueSource(ints = { 400, 401, 429, 500, 502, 503 })
	void providerErrorBecomesSmsUnavailableWithoutRetry(int status) {
		this.provider.respond(request -> Reply.json(status, "{\"error\":\"nope\"}"));

		ProblemException problem = failure(sender(this.provider.url(), settings(10)).send(MESSAGE));

		assertThat(problem.retryAfter()).isEqualTo(RETRY_AFTER_ON_FAILURE);
		assertThat(SmsFailure.of(problem)).isEqualTo(SmsFailure.UNCONFIRMED);
		assertExactlyOneRequestStays();
	}

	@Test
	void garbageWithSuccessStatusIsDelivered() {
		this.provider.respond(request -> Reply.garbage(200));

		StepVerifier.create(sender(this.provider.url(), settings(10)).send(MESSAGE)).verifyComplete();
	}

	@Test
	void garbageWithServerErrorBecomesSmsUnavailableWithoutRetry() {
		this.provider.respond(request -> Reply.garbage(500));

		failure(sender(this.provider.url(), settings(10)).send(MESSAGE));

		assertExactlyOneRequestStays();
	}

	@Test
	void slowProviderFailsPromptlyAndIsNotRetried() {
		this.provider.respond(request -> Reply.json(200, "{}").delayedBy(Duration.ofSeconds(10)));

		Duration took = StepVerifier.create(sender(this.provider.url(), settings(10)).send(MESSAGE))
			.expectErrorSatisfies(error -> assertThat(error).isInstanceOfSatisfying(ProblemException.class,
					problem -> {
						assertThat(problem.code()).isEqualTo(ProblemCode.SMS_UNAVAILABLE);
						assertThat(SmsFailure.of(problem)).isEqualTo(SmsFailure.UNCONFIRMED);
					}))
			.verify(Duration.ofSeconds(5));

		assertThat(took).isLessThan(TIMEOUT.plusSeconds(2));
		assertExactlyOneRequestStays();
	}

	@Test
	void hangUpAfterRequestIsNotRetried() {
		this.provider.respond(request -> Reply.hangUp());

		ProblemException problem = failure(sender(this.provider.url(), settings(10)).send(MESSAGE));

		assertThat(SmsFailure.of(problem)).isEqualTo(SmsFailure.UNCONFIRMED);
		assertExactlyOneRequestStays();
	}

	@Test
	void refusedConnectionIsRetriedExactlyOnceThenSmsUnavailable() {
		AtomicInteger attempts = new AtomicInteger();
		SmsSender webhook = WebhookSmsSenderIT.sender("http://127.0.0.1:" + WebhookSmsSenderIT.closedPort());
		SmsSender counting = message -> Mono.defer(() -> {
			attempts.incrementAndGet();
			return webhook.send(message);
		});

		ResilientSmsSender sender = new ResilientSmsSender(counting, settings(10), CircuitBreakerRegistry.ofDefaults());
		ProblemException problem = failure(sender.send(MESSAGE));

		assertThat(attempts).hasValue(2);
		assertThat(problem.retryAfter()).isEqualTo(RETRY_AFTER_ON_FAILURE);
		assertThat(SmsFailure.of(problem)).isEqualTo(SmsFailure.NOT_RECEIVED);
	}

	@Test
	void circuitOpensFailsFastWithoutCallingProviderThenClosesAfterRecovery() {
		AtomicReference<Reply> reply = new AtomicReference<>(Reply.json(503, "{}"));
		this.provider.respond(request -> reply.get());
		Duration openFor = Duration.ofSeconds(2);
		ResilientSmsSender sender = sender(this.provider.url(), new ResilientSmsSender.Settings(TIMEOUT,
				Duration.ofMillis(50), 50, 4, 4, openFor, 1, RETRY_AFTER_ON_FAILURE));

		for (int i = 0; i < 4; i++) {
			failure(sender.send(MESSAGE));
		}
		assertThat(sender.circuitBreaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);

		ProblemException refused = failure(sender.send(MESSAGE));
		assertThat(refused.getCause()).hasCauseInstanceOf(CallNotPermittedException.class);
		assertThat(SmsFailure.of(refused)).isEqualTo(SmsFailure.NOT_RECEIVED);
		assertThat(refused.retryAfter()).isBetween(Duration.ofSeconds(1), openFor.plus(TIMEOUT));
		assertThat(this.provider.requests()).hasSize(4);

		reply.set(Reply.json(200, "{}"));
		await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(200))
			.untilAsserted(() -> StepVerifier.create(sender.send(MESSAGE)).verifyComplete());
		assertThat(sender.circuitBreaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
		assertThat(this.provider.requests()).hasSize(5);
	}

	private void assertExactlyOneRequestStays() {
		// A retry would follow within milliseconds; watching a while longer proves there was none.
		await().during(Duration.ofMillis(700))
			.atMost(Duration.ofSeconds(3))
			.until(() -> this.provider.requests().size() == 1);
	}

	private static ResilientSmsSender sender(String url, ResilientSmsSender.Settings settings) {
		return new ResilientSmsSender(WebhookSmsSenderIT.sender(url), settings, CircuitBreakerRegistry.ofDefaults());
	}

	private static ResilientSmsSender.Settings settings(int window) {
		return new ResilientSmsSender.Settings(TIMEOUT, Duration.ofMillis(50), 50, window, window,
				Duration.ofSeconds(30), 1, RETRY_AFTER_ON_FAILURE);
	}

	private static ProblemException failure(Mono<Void> send) {
		return SmsFailures.smsUnavailable(send, MESSAGE);
	}

}
