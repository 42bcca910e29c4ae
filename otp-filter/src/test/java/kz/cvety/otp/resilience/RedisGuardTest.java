package kz.cvety.otp.resilience;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;
import kz.cvety.otp.support.OtpObservations;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RedisGuard} without Redis: what one phase of steps costs (deadlines, circuit-breaker calls, hops) and what
 * each step still reports on its own.
 */
class RedisGuardTest {

	static final Duration TIMEOUT = Duration.ofMillis(200);

	static final String HOOK = "redis-guard-test";

	final List<String> observed = new CopyOnWriteArrayList<>();

	final AtomicInteger scheduled = new AtomicInteger();

	Scheduler continueOn;

	CircuitBreaker breaker;

	RedisGuard guard;

	@BeforeAll
	static void warmUp() {
		// A cold JVM loads the operators' classes inside the first phase's deadline.
		RedisGuard cold = new RedisGuard(new CircuitRetryAfter(CircuitBreaker.ofDefaults("warm-up"), Clock.systemUTC()),
				Duration.ofSeconds(30));
		cold.phase(steps -> Mono.zip(steps.step("a", answerLater("a")), steps.step("b", Mono.error(new IllegalStateException()))
			.onErrorResume(ex -> Mono.just("b")))).block(Duration.ofSeconds(30));
	}

	@BeforeEach
	void guard() {
		this.continueOn = Schedulers.newSingle("continue-on");
		this.breaker = CircuitBreaker.ofDefaults("redis-guard-test");
		this.guard = new RedisGuard(new CircuitRetryAfter(this.breaker, Clock.systemUTC()), TIMEOUT,
				OtpObservations.NONE, this.continueOn);
		this.guard.observeWith((step, nanos, success) -> this.observed.add(step + (success ? " success" : " failure")));
		Schedulers.onScheduleHook(HOOK, task -> {
			this.scheduled.incrementAndGet();
			return task;
		});
	}

	@AfterEach
	void dispose() {
		Schedulers.resetOnScheduleHook(HOOK);
		this.continueOn.dispose();
	}

	@Test
	void aPhaseOfThreeStepsIsOneDeadlineOneCircuitBreakerCallAndOneHop() {
		AtomicReference<String> thread = new AtomicReference<>();
		Mono<List<String>> phase = this.guard.phase(steps -> Mono.zip(answers -> List.of(answers),
				steps.step("send-per-phone", answerLater("phone")), steps.step("send-per-prefix", answerLater("range")),
				steps.step("pumping-check", answerLater("check"))))
			.map(answers -> answers.stream().map(String.class::cast).toList())
			.doOnNext(answers -> thread.set(Thread.currentThread().getName()));
		this.scheduled.set(0);

		StepVerifier.create(phase).expectNext(List.of("phone", "range", "check")).verifyComplete();

		assertThat(thread.get()).startsWith("continue-on");
		// The three answers' own delays, the phase's deadline and one hop.
		assertThat(this.scheduled.get()).isEqualTo(3 + 2);
		assertThat(this.breaker.getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(1);
		assertThat(this.observed).containsExactlyInAnyOrder("send-per-phone success", "send-per-prefix success",
				"pumping-check success");
	}

	@Test
	void aStepThatNeverAnswersFailsAtThePhasesDeadlineWhileTheOthersKeepTheirAnswers() {
		Mono<List<Object>> phase = this.guard.phase(steps -> Mono.zip(answers -> List.of(answers),
				answerOrFailure(steps.step("send-per-phone", answerLater("phone"))),
				answerOrFailure(steps.step("send-per-prefix", Mono.never()))));
		long started = System.nanoTime();

		StepVerifier.create(phase).assertNext(answers -> {
			assertThat(answers.get(0)).isEqualTo("phone");
			ProblemException failure = (ProblemException) answers.get(1);
			assertThat(failure.code()).isEqualTo(ProblemCode.STORE_UNAVAILABLE);
			assertThat(failure.retryAfter()).isEqualTo(Duration.ofSeconds(1));
		}).verifyComplete();

		assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(TIMEOUT, TIMEOUT.plusMillis(500));
		assertThat(this.observed).containsExactlyInAnyOrder("send-per-phone success", "send-per-prefix failure");
		// One phase, one call of the circuit breaker: failed, as one of its steps failed.
		assertThat(this.breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
		assertThat(this.breaker.getMetrics().getNumberOfSuccessfulCalls()).isZero();
	}

	@Test
	void anOpenCircuitFailsEveryStepOfAPhaseWithoutCallingRedis() {
		this.breaker.transitionToOpenState();
		AtomicInteger called = new AtomicInteger();
		Mono<String> call = Mono.fromCallable(() -> {
			called.incrementAndGet();
			return "token";
		});

		StepVerifier.create(this.guard.phase(steps -> Mono.zip(answers -> List.of(answers),
				answerOrFailure(steps.step("send-per-ip", call)), answerOrFailure(steps.step("send-global", call)))))
			.assertNext(answers -> assertThat(answers).allSatisfy(answer -> {
				assertThat(((ProblemException) answer).code()).isEqualTo(ProblemCode.STORE_UNAVAILABLE);
				assertThat(((ProblemException) answer).retryAfter()).isGreaterThan(Duration.ofSeconds(1));
			}))
			.verifyComplete();

		assertThat(called).hasValue(0);
		assertThat(this.observed).containsExactlyInAnyOrder("send-per-ip failure", "send-global failure");
		assertThat(this.breaker.getMetrics().getNumberOfNotPermittedCalls()).isEqualTo(1);
	}

	@Test
	void aSingleGuardedStepFailsWithStoreUnavailableAndCountsAsAFailedCall() {
		StepVerifier.create(this.guard.guard("issue", Mono.error(new IllegalStateException("connection reset"))))
			.expectErrorSatisfies(error -> assertThat(((ProblemException) error).code())
				.isEqualTo(ProblemCode.STORE_UNAVAILABLE))
			.verify();
		StepVerifier.create(this.guard.guard("issue", Mono.never()))
			.expectErrorSatisfies(error -> assertThat(((ProblemException) error).code())
				.isEqualTo(ProblemCode.STORE_UNAVAILABLE))
			.verify(Duration.ofSeconds(2));

		assertThat(this.observed).containsExactly("issue failure", "issue failure");
		assertThat(this.breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(2);
	}

	@Test
	void aCancelledPhaseGivesItsPermissionBackAndRecordsNothing() {
		StepVerifier.create(this.guard.phase(steps -> steps.step("send-global", Mono.never())))
			.thenCancel()
			.verify();

		assertThat(this.breaker.getMetrics().getNumberOfBufferedCalls()).isZero();
		assertThat(this.observed).isEmpty();
	}

	private static Mono<String> answerLater(String answer) {
		return Mono.delay(Duration.ofMillis(10)).map(tick -> answer);
	}

	private static Mono<Object> answerOrFailure(Mono<?> step) {
		return step.<Object>map(answer -> answer).onErrorResume(Mono::just);
	}

}
