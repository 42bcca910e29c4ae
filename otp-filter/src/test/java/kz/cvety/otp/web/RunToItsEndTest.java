package kz.cvety.otp.web;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import kz.cvety.otp.support.DetachedWork;

import static org.assertj.core.api.Assertions.assertThat;

/** What an admitted request's work does when its client cancels, and what it passes on when it does not. */
class RunToItsEndTest {

	@Test
	void aCancelledSubscriberLeavesTheWorkRunningToItsEnd() {
		Sinks.Empty<Void> provider = Sinks.empty();
		AtomicBoolean cancelled = new AtomicBoolean();
		AtomicBoolean ended = new AtomicBoolean();
		Mono<Void> work = provider.asMono().doOnCancel(() -> cancelled.set(true)).doOnSuccess(done -> ended.set(true));
		DetachedWork detached = new DetachedWork();
		AtomicBoolean idle = new AtomicBoolean();

		StepVerifier.create(OtpAdmissionGatewayFilterFactory.toItsEnd(work, detached)).thenCancel().verify();
		detached.whenIdle(() -> idle.set(true));

		assertThat(detached.running()).as("counted while it runs on for nobody").isEqualTo(1);
		assertThat(idle).as("shutdown still waits").isFalse();
		provider.tryEmitEmpty();

		assertThat(cancelled).isFalse();
		assertThat(ended).isTrue();
		assertThat(detached.running()).isZero();
		assertThat(idle).isTrue();
	}

	@Test
	void withoutACancelTheWorksEndAndTheSubscribersContextPassThrough() {
		AtomicReference<String> seen = new AtomicReference<>();
		DetachedWork detached = new DetachedWork();
		Mono<Void> failing = Mono.deferContextual(context -> {
			seen.set(context.get("request"));
			return Mono.error(new IllegalStateException("provider down"));
		});

		StepVerifier.create(OtpAdmissionGatewayFilterFactory.toItsEnd(failing, detached).contextWrite(c -> c.put("request", "r1")))
			.expectErrorMessage("provider down")
			.verify(Duration.ofSeconds(5));
		StepVerifier.create(OtpAdmissionGatewayFilterFactory.toItsEnd(Mono.empty(), detached))
			.expectComplete()
			.verify(Duration.ofSeconds(5));

		assertThat(seen).hasValue("r1");
		assertThat(detached.running()).isZero();
	}

}
