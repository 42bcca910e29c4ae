package kz.cvety.edge;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.RedisContents;
import kz.cvety.edge.support.SmsSink;
import kz.cvety.otp.support.OtpObservations;
import kz.cvety.otp.testing.HttpStub;
import kz.cvety.otp.testing.HttpStub.Recorded;
import kz.cvety.otp.testing.HttpStub.Reply;
import kz.cvety.otp.testing.TestRedis;

import static kz.cvety.edge.support.OtpApi.VERIFY_OTP;
import static kz.cvety.edge.support.OtpApi.json;
import static kz.cvety.edge.support.OtpApi.requestOtp;
import static kz.cvety.edge.support.OtpApi.verify;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * W3C trace context from the client through the edge to a real backend, on a proxied route and on the
 * verification hand-off, under each {@code cvety.tracing.client-trace}; the OTP steps as spans; trace and span ids
 * in text and JSON log lines; OTLP export only to a configured endpoint.
 */
@ExtendWith(OutputCaptureExtension.class)
class TracingIT {

	static final String CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

	static final String CLIENT_SPAN = "00f067aa0ba902b7";

	static final String TRACEPARENT = "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01";

	static final Pattern W3C = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]");

	SmsSink sms;

	HttpStub backend;

	InMemorySpanExporter spans;

	GatewayInstance gateway;

	@BeforeEach
	void start() {
		this.sms = new SmsSink();
		this.backend = HttpStub.start();
		this.backend.respond(request -> Reply.json(200, "{\"ok\":true}"));
		this.spans = InMemorySpanExporter.create();
	}

	@AfterEach
	void stop() {
		if (this.gateway != null) {
			this.gateway.close();
		}
		this.backend.close();
		this.sms.close();
	}

	@Test
	void underTrustTheBackendContinuesTheClientsTraceOnAProxiedRouteAndOnTheHandOff() {
		GatewayInstance edge = gateway(Map.of("cvety.tracing.client-trace", "trust"));

		edge.client().get().uri("/api/catalog").headers(TracingIT::clientTraceHeaders).exchange().expectStatus().isOk();
		String phone = "+77011230001";
		assertThat(requestOtp(edge.url(), phone).status()).isEqualTo(200);
		verifyWithClientTrace(edge, phone);

		assertThat(this.backend.requests()).hasSize(2).allSatisfy(seen -> {
			Matcher traceparent = traceparent(seen);
			assertThat(traceparent.group(1)).isEqualTo(CLIENT_TRACE);
			assertThat(traceparent.group(2)).as("the edge's own span").isNotEqualTo(CLIENT_SPAN);
			assertThat(seen.headers().getAll("traceparent")).hasSize(1);
			assertThat(seen.headers().contains("b3")).isFalse();
		});
	}

	@Test
	void underRestartTheBackendSeesANewTraceLinkedToTheClientsAndNoneOfItsTraceHeaders() {
		GatewayInstance edge = gateway(Map.of());

		edge.client().get().uri("/api/catalog").headers(TracingIT::clientTraceHeaders).exchange().expectStatus().isOk();
		String phone = "+77011230002";
		assertThat(requestOtp(edge.url(), phone).status()).isEqualTo(200);
		verifyWithClientTrace(edge, phone);

		assertThat(this.backend.requests()).hasSize(2).allSatisfy(seen -> {
			assertThat(traceparent(seen).group(1)).isNotEqualTo(CLIENT_TRACE);
			assertThat(seen.headers().getAll("traceparent")).hasSize(1);
			assertThat(seen.headers().contains("tracestate")).isFalse();
			assertThat(seen.headers().contains("baggage")).isFalse();
			assertThat(seen.headers().contains("b3")).isFalse();
		});
		String proxiedTrace = traceparent(this.backend.requests().get(0)).group(1);
		String handoffTrace = traceparent(this.backend.requests().get(1)).group(1);
		assertThat(proxiedTrace).isNotEqualTo(handoffTrace);
		for (String trace : List.of(proxiedTrace, handoffTrace)) {
			SpanData server = serverSpanOf(trace);
			assertThat(server.getLinks()).singleElement().satisfies(link -> {
				assertThat(link.getSpanContext().getTraceId()).isEqualTo(CLIENT_TRACE);
				assertThat(link.getSpanContext().getSpanId()).isEqualTo(CLIENT_SPAN);
			});
		}
	}

	@Test
	void underDropTheBackendSeesANewTraceWithNoLinkToTheClients() {
		GatewayInstance edge = gateway(Map.of("cvety.tracing.client-trace", "drop"));

		edge.client().get().uri("/api/catalog").headers(TracingIT::clientTraceHeaders).exchange().expectStatus().isOk();

		String trace = traceparent(this.backend.requests().get(0)).group(1);
		assertThat(trace).isNotEqualTo(CLIENT_TRACE);
		assertThat(serverSpanOf(trace).getLinks()).isEmpty();
	}

	@Test
	void theOtpStepsAreSpansOfTheRequestAndItsTextLogLinesCarryItsIds(CapturedOutput output) {
		GatewayInstance edge = gateway(Map.of());
		String phone = "+77011230003";

		assertThat(requestOtp(edge.url(), phone).status()).isEqualTo(200);

		SpanData admission = await().atMost(Duration.ofSeconds(10))
			.until(() -> spanNamed("otp admission send"), span -> span != null);
		String trace = admission.getTraceId();
		SpanData server = serverSpanOf(trace);
		assertThat(admission.getParentSpanId()).isEqualTo(server.getSpanId());
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(spansOf(trace))
			.extracting(SpanData::getName)
			.contains("otp redis send-per-phone", "otp redis send-per-prefix", "otp redis send-per-ip",
					"otp redis send-global", "otp redis issue", "otp sms send"));
		SpanData perPhone = spansOf(trace).stream().filter(span -> span.getName().equals("otp redis send-per-phone"))
			.findFirst().orElseThrow();
		assertThat(perPhone.getParentSpanId()).isEqualTo(admission.getSpanId());
		assertThat(output.getOut().lines().filter(line -> line.contains("otp.send phone=+7701***0003 outcome=sent")))
			.singleElement().asString().contains(trace);
	}

	@Test
	void aRequestNotSampledStartsNoOtpStepObservationsButItsLogLineCarriesItsTrace(CapturedOutput output) {
		List<String> started = new CopyOnWriteArrayList<>();
		GatewayInstance edge = gateway(Map.of("cvety.tracing.client-trace", "trust",
				"management.tracing.sampling.probability", "0.0"), Map.of("startedObservations", started(started)));
		String unsampledTrace = "5bf92f3577b34da6a3ce929d0e0e4736";
		String unsampled = "+77011230009";
		String sampled = "+77011230010";
		started.clear();

		assertThat(requestOtp(edge.url(), unsampled, Map.of("traceparent", "00-" + unsampledTrace + "-" + CLIENT_SPAN
				+ "-00")).status()).isEqualTo(200);
		assertThat(started).as("observations the request not sampled started").doesNotContain(
				OtpObservations.ADMISSION, OtpObservations.REDIS, OtpObservations.SMS);
		assertThat(requestOtp(edge.url(), sampled, Map.of("traceparent", TRACEPARENT)).status()).isEqualTo(200);
		assertThat(started).contains(OtpObservations.ADMISSION, OtpObservations.REDIS, OtpObservations.SMS);

		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(spansOf(CLIENT_TRACE))
			.extracting(SpanData::getName)
			.contains("otp admission send", "otp redis send-per-phone", "otp redis issue", "otp sms send"));
		assertThat(spansOf(unsampledTrace)).as("spans of the request not sampled").isEmpty();
		assertThat(this.spans.getFinishedSpanItems()).filteredOn(span -> span.getName().startsWith("otp "))
			.allSatisfy(span -> assertThat(span.getTraceId()).isEqualTo(CLIENT_TRACE));
		assertThat(output.getOut().lines().filter(line -> line.contains("otp.send phone=+7701***0009 outcome=sent")))
			.singleElement().asString().contains(unsampledTrace);

		// A verified code is counted for the pumping guard after the answer, in the request's context.
		started.clear();
		assertThat(verify(edge.url(), unsampled, this.sms.lastCode(unsampled),
				Map.of("traceparent", "00-" + unsampledTrace + "-" + CLIENT_SPAN + "-00")).status()).isEqualTo(200);
		try (RedisContents redis = RedisContents.connect()) {
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(redis.dump(edge.keyPrefix()
					+ "pump:range:").values()).anySatisfy(fields -> assertThat(fields).containsPattern("(?m)^v\\d+=1$")));
		}
		assertThat(started).as("observations of the verification not sampled, its detached count included")
			.doesNotContain(OtpObservations.ADMISSION, OtpObservations.REDIS);
		assertThat(verify(edge.url(), sampled, this.sms.lastCode(sampled), Map.of("traceparent", TRACEPARENT))
			.status()).isEqualTo(200);
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(spansOf(CLIENT_TRACE))
			.extracting(SpanData::getName)
			.contains("otp admission verify", "otp redis pumping-count"));
	}

	@Test
	void theWarmUpsSpansAreNotExported() {
		GatewayInstance edge = gateway(Map.of());
		String phone = "+77011230008";

		assertThat(requestOtp(edge.url(), phone).status()).isEqualTo(200);

		await().atMost(Duration.ofSeconds(10)).until(() -> spanNamed("otp admission send") != null);
		assertThat(this.spans.getFinishedSpanItems()).as("the customer's request only")
			.filteredOn(span -> span.getName().equals("otp admission send"))
			.hasSize(1);
		assertThat(this.spans.getFinishedSpanItems()).filteredOn(span -> span.getKind() == SpanKind.SERVER)
			.hasSize(1);
	}

	@Test
	void jsonLogLinesCarryTraceAndSpanIds(CapturedOutput output) {
		GatewayInstance edge = gateway(Map.of("logging.structured.format.console", "ecs"));
		String phone = "+77011230004";

		assertThat(requestOtp(edge.url(), phone).status()).isEqualTo(200);

		String trace = await().atMost(Duration.ofSeconds(10))
			.until(() -> spanNamed("otp admission send"), span -> span != null)
			.getTraceId();
		assertThat(output.getOut().lines().filter(line -> line.contains("\"message\":\"otp.send phone=+7701***0004")))
			.singleElement().asString()
			.startsWith("{\"@timestamp\":")
			.contains("\"traceId\":\"" + trace + "\"")
			.containsPattern("\"spanId\":\"[0-9a-f]{16}\"");
	}

	@Test
	void withNoOtlpEndpointNothingIsExportedAndNothingComplains(CapturedOutput output) {
		Map<String, String> settings = GatewayInstance.defaults(this.sms.url(), TestRedis.uniquePrefix());
		settings.put("management.tracing.sampling.probability", "1.0");
		settings.put("management.opentelemetry.tracing.export.schedule-delay", "50ms");
		this.gateway = GatewayInstance.start(settings);
		GatewayInstance edge = this.gateway;

		assertThat(requestOtp(edge.url(), "+77011230005").status()).isEqualTo(200);
		assertThat(this.gateway.context().getBeansOfType(SpanExporter.class)).isEmpty();
		this.gateway.close();
		this.gateway = null;

		assertThat(output.getAll().lines()
			.filter(line -> line.contains("WARN") || line.contains("ERROR") || line.contains("SEVERE"))
			.filter(line -> line.toLowerCase().matches(".*(export|otlp|opentelemetry|span).*")))
			.isEmpty();
	}

	@Test
	void withAnOtlpEndpointSpansAreExportedThere() {
		try (HttpStub collector = HttpStub.start()) {
			collector.respond(request -> Reply.json(200, "{}"));
			GatewayInstance edge = gateway(Map.of("management.opentelemetry.tracing.export.otlp.endpoint",
					collector.url() + "/v1/traces"));

			assertThat(requestOtp(edge.url(), "+77011230006").status()).isEqualTo(200);

			await().atMost(Duration.ofSeconds(10)).until(() -> !collector.requests().isEmpty());
			Recorded export = collector.requests().get(0);
			assertThat(export.method()).isEqualTo("POST");
			assertThat(export.uri()).isEqualTo("/v1/traces");
			assertThat(export.headers().get("Content-Type")).isEqualTo("application/x-protobuf");
		}
	}

	@Test
	void theOtpLatencyHistogramsCarryTraceIdsAsExemplars() {
		GatewayInstance edge = gateway(Map.of());
		assertThat(requestOtp(edge.url(), "+77011230007").status()).isEqualTo(200);

		String metrics = edge.client().get().uri("/actuator/prometheus")
			.accept(MediaType.parseMediaType("application/openmetrics-text;version=1.0.0"))
			.exchange()
			.expectStatus().isOk()
			.expectBody(String.class).returnResult().getResponseBody();

		assertThat(metrics.lines().filter(line -> line.startsWith("cvety_otp_redis_step_seconds_bucket")))
			.anyMatch(line -> line.matches(".*# \\{.*trace_id=\"[0-9a-f]{32}\".*"));
		assertThat(metrics.lines().filter(line -> line.startsWith("cvety_otp_sms_send_seconds_bucket")))
			.anyMatch(line -> line.matches(".*# \\{.*trace_id=\"[0-9a-f]{32}\".*"));
		assertThat(metrics).doesNotContain("cvety_otp_span");
	}

	private GatewayInstance gateway(Map<String, String> overrides) {
		return gateway(overrides, Map.of());
	}

	/** A handler that notes the name of every observation started, in {@code names}. */
	private static ObservationHandler<Observation.Context> started(List<String> names) {
		return new ObservationHandler<>() {

			@Override
			public void onStart(Observation.Context context) {
				names.add(context.getName());
			}

			@Override
			public boolean supportsContext(Observation.Context context) {
				return true;
			}

		};
	}

	private GatewayInstance gateway(Map<String, String> overrides, Map<String, Object> beans) {
		Map<String, String> settings = GatewayInstance.defaults(this.sms.url(), TestRedis.uniquePrefix());
		settings.put("cvety.otp.handoff.enabled", "true");
		settings.put("cvety.backend-url", this.backend.url());
		settings.put("management.tracing.sampling.probability", "1.0");
		settings.put("management.opentelemetry.tracing.export.schedule-delay", "50ms");
		settings.putAll(overrides);
		Map<String, Object> all = new HashMap<>(beans);
		all.put("testSpanExporter", this.spans);
		this.gateway = GatewayInstance.start(settings, all);
		return this.gateway;
	}

	private void verifyWithClientTrace(GatewayInstance edge, String phone) {
		edge.client().post().uri(VERIFY_OTP)
			.headers(TracingIT::clientTraceHeaders)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(json("phone", phone, "otp_code", this.sms.lastCode(phone)))
			.exchange()
			.expectStatus().isOk();
	}

	private static void clientTraceHeaders(HttpHeaders headers) {
		headers.set("traceparent", TRACEPARENT);
		headers.set("tracestate", "client=1");
		headers.set("baggage", "user=someone-else");
		headers.set("b3", CLIENT_TRACE + "-" + CLIENT_SPAN + "-1");
	}

	private static Matcher traceparent(Recorded seen) {
		String value = seen.headers().get("traceparent");
		assertThat(value).as("traceparent the backend received").isNotNull();
		Matcher matcher = W3C.matcher(value);
		assertThat(matcher.matches()).as(value).isTrue();
		return matcher;
	}

	private SpanData serverSpanOf(String trace) {
		return await().atMost(Duration.ofSeconds(10))
			.until(() -> spansOf(trace).stream().filter(span -> span.getKind() == SpanKind.SERVER).findFirst()
				.orElse(null), span -> span != null);
	}

	private List<SpanData> spansOf(String trace) {
		return this.spans.getFinishedSpanItems().stream().filter(span -> span.getTraceId().equals(trace)).toList();
	}

	private SpanData spanNamed(String name) {
		return this.spans.getFinishedSpanItems().stream().filter(span -> span.getName().equals(name)).findFirst()
			.orElse(null);
	}

}
