package kz.cvety.otp.support;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

class OtpObservationsTest {

	@Test
	void withoutARegistryAStepRunsAsItIs() {
		Mono<String> step = Mono.just("ok");

		assertThat(new OtpObservations(ObservationRegistry.NOOP).redis("issue", step)).isSameAs(step);
		assertThat(OtpObservations.NONE.admission("send", step)).isSameAs(step);
	}

	@Test
	void eachStepIsAnObservationUnderTheRequestsOwnAndAFailureIsRecorded() {
		TestObservationRegistry registry = TestObservationRegistry.create();
		OtpObservations observations = new OtpObservations(registry);
		Observation request = Observation
			.start("http.server.requests", registry);

		Mono<String> admission = observations.admission("send",
				observations.redis("send-per-phone", Mono.just("token")))
			.contextWrite(context -> context.put(ObservationThreadLocalAccessor.KEY, request));
		StepVerifier.create(admission).expectNext("token").verifyComplete();
		StepVerifier.create(observations.sms(Mono.error(new IllegalStateException("provider down"))))
			.verifyError(IllegalStateException.class);

		assertThat(registry).hasObservationWithNameEqualTo(OtpObservations.ADMISSION)
			.that()
			.hasContextualNameEqualTo("otp admission send")
			.hasLowCardinalityKeyValue("operation", "send")
			.hasParentObservationEqualTo(request)
			.hasBeenStopped();
		assertThat(registry).hasObservationWithNameEqualTo(OtpObservations.REDIS)
			.that()
			.hasContextualNameEqualTo("otp redis send-per-phone")
			.hasLowCardinalityKeyValue("step", "send-per-phone")
			.hasParentObservationContextMatching(parent -> OtpObservations.ADMISSION.equals(parent.getName()))
			.hasBeenStopped();
		assertThat(registry).hasObservationWithNameEqualTo(OtpObservations.SMS)
			.that()
			.hasContextualNameEqualTo("otp sms send")
			.hasError()
			.hasBeenStopped();
	}

	@Test
	void aRedisStepIsALeafWhileTheAdmissionAndTheSmsSendAreParentsOfWhatTheyRun() {
		OtpObservations observations = new OtpObservations(TestObservationRegistry.create());
		Mono<String> current = Mono.deferContextual(context -> Mono
			.just(((Observation) context.get(ObservationThreadLocalAccessor.KEY)).getContext()
				.getContextualName()));

		StepVerifier.create(observations.admission("send", observations.redis("send-per-phone", current)))
			.expectNext("otp admission send")
			.verifyComplete();
		StepVerifier.create(observations.sms(current)).expectNext("otp sms send").verifyComplete();
	}

	@Test
	void underARequestNotRecordedNoStepIsObservedAndTheRequestStaysCurrent() {
		TestObservationRegistry registry = TestObservationRegistry.create();
		OtpObservations observations = new OtpObservations(registry, around -> false);
		Observation request = Observation.start("http.server.requests", registry);
		Mono<String> current = Mono.deferContextual(context -> Mono
			.just(((Observation) context.get(ObservationThreadLocalAccessor.KEY)).getContext().getName()));

		StepVerifier.create(observations.admission("send", observations.redis("send-per-phone", current))
			.contextWrite(context -> context.put(ObservationThreadLocalAccessor.KEY, request)))
			.expectNext("http.server.requests")
			.verifyComplete();

		assertThat(registry).hasNumberOfObservationsEqualTo(1)
			.hasNumberOfObservationsWithNameEqualTo("http.server.requests", 1);
	}

}
