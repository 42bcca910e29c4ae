package kz.cvety.otp.sms;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;

import static org.assertj.core.api.Assertions.assertThat;

/** Checks a send that must fail the way a client sees it: {@code sms_unavailable}, code and phone kept out. */
final class SmsFailures {

	private SmsFailures() {
	}

	/** The {@code sms_unavailable} problem {@code send} failed with; its detail names neither code nor phone. */
	static ProblemException smsUnavailable(Mono<Void> send, SmsMessage message) {
		AtomicReference<Throwable> error = new AtomicReference<>();
		StepVerifier.create(send).consumeErrorWith(error::set).verify(Duration.ofSeconds(5));
		assertThat(error.get()).isInstanceOf(ProblemException.class);
		ProblemException problem = (ProblemException) error.get();
		assertThat(problem.code()).isEqualTo(ProblemCode.SMS_UNAVAILABLE);
		assertThat(problem.detail()).doesNotContain(message.code()).doesNotContain(message.phone());
		return problem;
	}

}
