package kz.cvety.otp.admission;

import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/** What settling an admitted send gives back: its tokens, and the pumping guard's count of its code. */
class SendAdmissionTest {

	private final AtomicInteger refunds = new AtomicInteger();

	private final AtomicInteger takenBack = new AtomicInteger();

	private final SendAdmission admission = new SendAdmission(List.of(),
			() -> Mono.fromRunnable(this.refunds::incrementAndGet), this.takenBack::incrementAndGet);

	@ParameterizedTest
	@EnumSource(value = SendOutcome.class, names = { "SENT", "UNCONFIRMED" })
	void aCodeThatWentOutOrMayHaveKeepsItsTokensAndItsCount(SendOutcome outcome) {
		StepVerifier.create(this.admission.settle(outcome)).verifyComplete();

		assertThat(this.refunds).hasValue(0);
		assertThat(this.takenBack).hasValue(0);
	}

	@Test
	void aCodeTheProviderCertainlyGotNothingOfGivesBothBack() {
		StepVerifier.create(this.admission.settle(SendOutcome.FAILED)).verifyComplete();

		assertThat(this.refunds).hasValue(1);
		assertThat(this.takenBack).hasValue(1);
	}

	@ParameterizedTest
	@EnumSource(value = SendOutcome.class, names = { "TEST_NUMBER", "REFUSED", "STORE_UNAVAILABLE" })
	void aCodeThatNeverWentOutKeepsItsTokensSpentButIsTakenBackFromTheCount(SendOutcome outcome) {
		StepVerifier.create(this.admission.settle(outcome)).verifyComplete();

		assertThat(this.refunds).hasValue(0);
		assertThat(this.takenBack).hasValue(1);
	}

	@Test
	void aSendThatEndedWithNoOutcomeIsTakenBackFromTheCount() {
		StepVerifier.create(this.admission.settle(null)).verifyComplete();

		assertThat(this.takenBack).hasValue(1);
	}

	@Test
	void everyOutcomeIsCovered() {
		assertThat(EnumSet.allOf(SendOutcome.class)).containsExactlyInAnyOrder(SendOutcome.SENT, SendOutcome.UNCONFIRMED,
				SendOutcome.FAILED, SendOutcome.TEST_NUMBER, SendOutcome.REFUSED, SendOutcome.STORE_UNAVAILABLE);
	}

}
