package kz.cvety.load;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The SMS provider's webhook for a load test: a JDK HTTP server that accepts the gateway's
 * {@code POST {"phone","code","text"}} with 200 {@code {}} and remembers the last code and the count per phone,
 * so virtual users log in with the real code. {@code GET /verdict} answers whatever the simulation judges the
 * SMS traffic to be (see {@link #judgeWith}), so the judgement shows in Gatling's report as a request.
 */
final class SmsSink implements AutoCloseable {

	private static final ObjectMapper JSON = new ObjectMapper();

	private final HttpServer server;

	private final ExecutorService executor = Executors.newFixedThreadPool(4, runnable -> {
		Thread thread = new Thread(runnable, "sms-sink");
		thread.setDaemon(true);
		return thread;
	});

	private final Map<String, String> lastCode = new ConcurrentHashMap<>();

	private final Map<String, AtomicLong> perPhone = new ConcurrentHashMap<>();

	private final AtomicLong total = new AtomicLong();

	private final AtomicLong malformed = new AtomicLong();

	private volatile Supplier<Map<String, Object>> judge = () -> Map.of("within_limits", true);

	private SmsSink(HttpServer server) {
		this.server = server;
	}

	/** Starts the sink on {@code host:port} ({@code -Dsms.host}, {@code -Dsms.port}). */
	static SmsSink start(String host, int port) {
		try {
			HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 512);
			SmsSink sink = new SmsSink(server);
			server.createContext("/sms", sink::receive);
			server.createContext("/verdict", sink::verdict);
			server.setExecutor(sink.executor);
			server.start();
			return sink;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot start the SMS sink on " + host + ":" + port
					+ " (is another simulation still running?)", ex);
		}
	}

	/** Where the gateway must send SMS: {@code cvety.otp.sms.webhook-url}. */
	String webhookUrl() {
		InetSocketAddress address = this.server.getAddress();
		return "http://" + address.getHostString() + ":" + address.getPort() + "/sms";
	}

	/** Where the simulation asks for the verdict. */
	String verdictUrl() {
		InetSocketAddress address = this.server.getAddress();
		return "http://" + address.getHostString() + ":" + address.getPort() + "/verdict";
	}

	/** The code last sent to {@code phone} (E.164), if any. */
	Optional<String> lastCode(String phone) {
		return Optional.ofNullable(this.lastCode.get(phone));
	}

	/** SMS received in all. */
	long total() {
		return this.total.get();
	}

	/** Webhook calls whose body was not the expected JSON. */
	long malformed() {
		return this.malformed.get();
	}

	/** SMS received per phone. */
	Map<String, Long> perPhone() {
		Map<String, Long> counts = new LinkedHashMap<>();
		this.perPhone.forEach((phone, count) -> counts.put(phone, count.get()));
		return counts;
	}

	/** What {@code GET /verdict} answers; the map should hold a boolean {@code within_limits}. */
	void judgeWith(Supplier<Map<String, Object>> judge) {
		this.judge = judge;
	}

	private void receive(HttpExchange exchange) throws IOException {
		try (exchange; InputStream body = exchange.getRequestBody()) {
			if (!"POST".equals(exchange.getRequestMethod())) {
				reply(exchange, 405, "{}");
				return;
			}
			JsonNode sms = parse(body.readAllBytes());
			String phone = sms.path("phone").asText("");
			String code = sms.path("code").asText("");
			if (phone.isEmpty() || code.isEmpty()) {
				this.malformed.incrementAndGet();
				reply(exchange, 400, "{}");
				return;
			}
			this.lastCode.put(phone, code);
			this.perPhone.computeIfAbsent(phone, key -> new AtomicLong()).incrementAndGet();
			this.total.incrementAndGet();
			reply(exchange, 200, "{}");
		}
	}

	private static JsonNode parse(byte[] body) {
		try {
			JsonNode node = JSON.readTree(body);
			return (node != null) ? node : JSON.nullNode();
		}
		catch (IOException ex) {
			return JSON.nullNode();
		}
	}

	private void verdict(HttpExchange exchange) throws IOException {
		try (exchange) {
			reply(exchange, 200, JSON.writeValueAsString(this.judge.get()));
		}
	}

	private static void reply(HttpExchange exchange, int status, String body) throws IOException {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().set("Content-Type", "application/json");
		exchange.sendResponseHeaders(status, bytes.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(bytes);
		}
	}

	@Override
	public void close() {
		this.server.stop(0);
		this.executor.shutdownNow();
	}

}
