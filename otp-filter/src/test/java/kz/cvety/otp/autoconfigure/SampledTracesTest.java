package kz.cvety.otp.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import kz.cvety.otp.support.OtpObservations;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OTP steps under a request whose trace a real tracer (the OpenTelemetry SDK through Micrometer's bridge)
 * samples, and under one it does not.
 */
class SampledTracesTest {

	@Test
	void underASampledRequestEveryStepIsObserved() {
		Traced traced = new Traced(Sampler.alwaysOn());

		assertThat(traced.sendUnderARequest()).as("the step's result").isEqualTo("token");

		assertThat(traced.started).containsExactly("http.server.requests", OtpObservations.ADMISSION,
				OtpObservations.REDIS);
	}

	@Test
	void underARequestNotSampledNoStepIsObservedAndItsResultIsTheSame() {
		Traced traced = new Traced(Sampler.alwaysOff());

		assertThat(traced.sendUnderARequest()).isEqualTo("token");

		assertThat(traced.started).containsExactly("http.server.requests");
	}

	@Test
	void workUnderARequestThatEndedIsObservedByItsTracesSampling() {
		for (Sampler sampler : List.of(Sampler.alwaysOn(), Sampler.alwaysOff())) {
			Traced traced = new Traced(sampler);
			Observation request = Observation.start("http.server.requests", traced.registry);
			request.stop();

			assertThat(SampledTraces.recorded(request)).as(sampler.getDescription())
				.isEqualTo(sampler == Sampler.alwaysOn());
		}
	}

	@Test
	void anObservationWithoutATracingSpanIsRecorded() {
		Observation untraced = Observation.start("http.server.requests", ObservationRegistry.create());

		assertThat(SampledTraces.recorded(untraced)).isTrue();
	}

	/** An observation registry with the tracer's handler and a handler that notes which observations started. */
	static final class Traced {

		final List<String> started = new CopyOnWriteArrayList<>();

		final ObservationRegistry registry = ObservationRegistry.create();

		Traced(Sampler sampler) {
			SdkTracerProvider provider = SdkTracerProvider.builder().setSampler(sampler).build();
			OtelTracer tracer = new OtelTracer(provider.get("test"), new OtelCurrentTraceContext(), event -> {
			});
			this.registry.observationConfig()
				.observationHandler(new DefaultTracingObservationHandler(tracer))
				.observationHandler(new ObservationHandler<>() {

					@Override
					public void onStart(Observation.Context context) {
						Traced.this.started.add(context.getName());
					}

					@Override
					public boolean supportsContext(Observation.Context context) {
						return true;
					}

				});
		}

		String sendUnderARequest() {
			OtpObservations observations = new OtpObservations(this.registry, SampledTraces::recorded);
			Observation request = Observation.start("http.server.requests", this.registry);
			try {
				Mono<String> admission = observations.admission("send", observations.redis("send-per-phone", Mono.just("token")))
					.contextWrite(context -> context.put(ObservationThreadLocalAccessor.KEY, request));
				return admission.block(Duration.ofSeconds(5));
			}
			finally {
				request.stop();
			}
		}

	}

}
