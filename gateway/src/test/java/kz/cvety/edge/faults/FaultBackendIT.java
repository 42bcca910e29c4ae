package kz.cvety.edge.faults;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.cloud.circuitbreaker.resilience4j.ReactiveResilience4JCircuitBreakerFactory;

import kz.cvety.edge.backend.BackendProperties;
import kz.cvety.edge.faults.Traffic.Call;
import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi;
import kz.cvety.edge.support.ProblemAssert;
import kz.cvety.otp.testing.HttpStub;
import kz.cvety.otp.testing.HttpStub.Reply;
import kz.cvety.otp.testing.TestRedis;

import static kz.cvety.edge.faults.Traffic.assertNone;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The backend slow, hanging up and down (closed port) under concurrent load on proxied routes (BackendDownIT and
 * BackendProxyIT show single requests). Pass: only 200, 504 {@code backend_unavailable} for an answer later than
 * {@code cvety.backend.timeout}, or 503 {@code backend_unavailable} with a {@code Retry-After}; every answer
 * within the backend timeout; the circuit opens and answers at once; once the backend is back the gateway
 * serves again, and a client that waited its {@code Retry-After} is served.
 */
class FaultBackendIT {

	static final Duration BACKEND_TIMEOUT = Duration.ofSeconds(1);

	static final Duration OPEN_STATE = Duration.ofSeconds(2);

	/** Scheduling slack on a shared two-core machine. */
	static final long SLACK_MILLIS = 500;

	static final int USERS = 6;

	static HttpStub backend;

	static GatewayInstance gateway;

	static CircuitBreaker backendCircuit;

	final List<CircuitBreaker.State> circuit = new CopyOnWriteArrayList<>();

	@BeforeAll
	static void start() {
		OtpApi.warmUpJvm();
		backend = HttpStub.start();
		Map<String, String> settings = GatewayInstance.defaults("http://127.0.0.1:9/sms", TestRedis.uniquePrefix());
		settings.put("cvety.backend-url", backend.url());
		settings.put("cvety.backend.timeout", BACKEND_TIMEOUT.toMillis() + "ms");
		settings.put("cvety.backend.sliding-window-size", "6");
		settings.put("cvety.backend.minimum-number-of-calls", "6");
		settings.put("cvety.backend.wait-duration-in-open-state", OPEN_STATE.toSeconds() + "s");
		gateway = GatewayInstance.start(settings);
		await(() -> OtpApi.get(gateway.url() + "/api/catalog").status() == 200);
		backendCircuit = gateway.context().getBean(ReactiveResilience4JCircuitBreakerFactory.class)
			.getCircuitBreakerRegistry()
			.find(BackendProperties.BACKEND_CIRCUIT_BREAKER)
			.orElseThrow();
	}

	@AfterAll
	static void stop() {
		gateway.close();
		backend.close();
	}

	@BeforeEach
	void backendWorksAndTheCircuitIsClosed() {
		backend.respond(request -> Reply.json(200, "{\"ok\":true}"));
		// An open circuit only moves on when a call comes: call until it has closed again.
		await(() -> backendCircuit.getState() == CircuitBreaker.State.CLOSED
				|| OtpApi.get(gateway.url() + "/api/catalog").status() == 200
						&& backendCircuit.getState() == CircuitBreaker.State.CLOSED);
		backendCircuit.getEventPublisher()
			.onStateTransition(event -> this.circuit.add(event.getStateTransition().getToState()));
	}

	@ParameterizedTest
	@ValueSource(strings = { "slow", "hang-up", "closed-port" })
	void failingBackendGivesBoundedProblemsOpensTheCircuitAndServiceResumes(String failure) {
		int port = backend.port();
		switch (failure) {
			case "slow" -> backend.respond(request -> Reply.json(200, "{}").delayedBy(BACKEND_TIMEOUT.multipliedBy(3)));
			case "hang-up" -> backend.respond(request -> Reply.hangUp());
			default -> backend.close();
		}
		List<Call> calls;
		long healed;
		long stall;
		try (Traffic traffic = Traffic.start(USERS, users -> users.call("get", "-",
				() -> CompletableFuture.completedFuture(OtpApi.get(gateway.url() + "/api/catalog"))))) {
			await(() -> this.circuit.contains(CircuitBreaker.State.OPEN));
			healed = traffic.now();
			if (failure.equals("closed-port")) {
				backend = HttpStub.start(port);
			}
			backend.respond(request -> Reply.json(200, "{\"ok\":true}"));
			await(() -> traffic.calls().stream().filter(call -> call.start() >= healed && call.ok()).count() >= 40);
			calls = traffic.stop();
			stall = traffic.maxStallMillis();
		}
		finally {
			if (backend.port() != port) {
				backend = HttpStub.start(port);
			}
		}

		assertNone(calls, "had a transport error", call -> call.error() != null);
		assertNone(calls, "were neither 200, 504 nor 503 backend_unavailable with a Retry-After of 1 to "
				+ OPEN_STATE.plus(BACKEND_TIMEOUT).toSeconds() + " s", call -> !expected(call));
		assertNone(calls, "took longer than the backend timeout", call -> call.took() > BACKEND_TIMEOUT.toMillis() + SLACK_MILLIS + stall);
		List<Call> refused = calls.stream().filter(call -> call.status() != 200).toList();
		assertThat(refused).isNotEmpty();
		for (Call refusal : refused) {
			if (refusal.status() == 503 && refusal.start() >= healed) {
				long retryAt = refusal.end() + refusal.answer().retryAfter() * 1000;
				assertNone(calls, "were refused after the Retry-After of " + refusal,
						call -> call.start() >= retryAt && call.status() != 200);
			}
		}
		long back = calls.stream().filter(call -> call.start() >= healed && call.ok()).mapToLong(Call::end).min().orElseThrow();
		assertThat(back - healed).isLessThanOrEqualTo(OPEN_STATE.toMillis() + BACKEND_TIMEOUT.toMillis() + SLACK_MILLIS);
		System.out.printf("RELIABILITY backend-%s: %d users, %d calls (%d 504, %d 503, slowest refusal %d ms, slowest "
				+ "overall %d ms); circuit %s; served again %d ms after the backend was back; JVM stalled at most %d ms%n", failure, USERS,
				calls.size(), calls.stream().filter(call -> call.status() == 504).count(),
				calls.stream().filter(call -> call.status() == 503).count(),
				refused.stream().mapToLong(Call::took).max().orElse(0), calls.stream().mapToLong(Call::took).max().orElse(0),
				this.circuit, back - healed, stall);
	}

	@Test
	void keepAliveConnectionIsServedAfterAFastAnswerToARequestSentBeforeTheSlowerOneEnded() throws IOException {
		backend.respond(request -> Reply.json(200, "{}").delayedBy(Duration.ofMillis(50)));
		try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
			socket.setSoTimeout(3000);
			OutputStream out = socket.getOutputStream();
			BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));

			// The proxied request ends on the backend client's event loop; the second, sent before it ended, is
			// answered at once (405) once it is dispatched.
			out.write((get("/api/catalog") + get("/api/auth/request-otp")).getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
			assertThat(readResponse(in)).startsWith("HTTP/1.1 200");
			assertThat(readResponse(in)).startsWith("HTTP/1.1 405");

			out.write(get("/api/auth/request-otp").getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
			assertThat(readResponse(in)).as("third request on the connection").startsWith("HTTP/1.1 405");
		}
	}

	private static String get(String path) {
		return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	}

	/** Reads one response with a Content-Length body; returns its status line. */
	private static String readResponse(BufferedReader in) throws IOException {
		String status = in.readLine();
		int length = 0;
		for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
			if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
				length = Integer.parseInt(line.substring("content-length:".length()).trim());
			}
		}
		for (int i = 0; i < length; i++) {
			in.read();
		}
		return status;
	}

	private static boolean expected(Call call) {
		return switch (call.status()) {
			case 200 -> true;
			case 504 -> ProblemAssert.satisfies(call.answer(),
					problem -> problem.hasStatus(504).hasCode("backend_unavailable"));
			case 503 -> ProblemAssert.satisfies(call.answer(), problem -> problem.hasStatus(503)
				.hasCode("backend_unavailable")
				// While the circuit is open: the time until it half-opens, plus the timeout of its trial calls.
				.hasRetryAfterBetween(1, OPEN_STATE.plus(BACKEND_TIMEOUT).toSeconds()));
			default -> false;
		};
	}

	private static void await(Callable<Boolean> condition) {
		Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(condition);
	}

}
