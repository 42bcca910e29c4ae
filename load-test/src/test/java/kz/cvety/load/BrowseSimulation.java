package kz.cvety.load;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import com.sun.net.httpserver.HttpServer;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

/**
 * Browse traffic: shoppers look at the catalogue, a product and its reviews, all proxied through the gateway's
 * {@code /api/**} route to the backend. Unless {@code -Dbackend.stub=false}, the simulation serves a stub
 * backend on {@code 127.0.0.1:-Dbackend.port} (8000, the gateway's default {@code BACKEND_URL}). Passes when
 * fewer than {@code -DmaxFailedPercent} of requests fail and the 99th percentile stays under {@code -DmaxP99Ms}.
 */
public class BrowseSimulation extends Simulation {

	private final double shoppersPerSecond = LoadSettings.decimal("rate", 50.0);

	private final Duration duration = LoadSettings.duration("duration", "60s");

	private final double maxFailedPercent = LoadSettings.decimal("maxFailedPercent", 1.0);

	private final int maxP99Ms = LoadSettings.integer("maxP99Ms", 1000);

	private final HttpServer backend = LoadSettings.flag("backend.stub", true)
			? startBackend(LoadSettings.integer("backend.port", 8000)) : null;

	private final HttpProtocolBuilder protocol = http.baseUrl(LoadSettings.baseUrl())
		.acceptHeader("application/json")
		.userAgentHeader("cvety-load-test");

	private final ScenarioBuilder browse = scenario("browse")
		.feed(Stream.generate(() -> Map.<String, Object>of("product", ThreadLocalRandom.current().nextInt(1, 5000)))
			.iterator())
		.exec(http("catalog").get("/api/catalog?category=roses").check(status().is(200)))
		.pause(Duration.ofMillis(100), Duration.ofMillis(500))
		.exec(http("product").get("/api/products/#{product}").check(status().is(200)))
		.pause(Duration.ofMillis(100), Duration.ofMillis(500))
		.exec(http("reviews").get("/api/products/#{product}/reviews").check(status().is(200)));

	{
		setUp(this.browse.injectOpen(constantUsersPerSec(this.shoppersPerSecond).during(this.duration)))
			.protocols(this.protocol)
			.assertions(global().failedRequests().percent().lt(this.maxFailedPercent),
					global().responseTime().percentile(99.0).lt(this.maxP99Ms));
	}

	private static HttpServer startBackend(int port) {
		try {
			HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 512);
			ExecutorService executor = Executors.newFixedThreadPool(8, runnable -> {
				Thread thread = new Thread(runnable, "backend-stub");
				thread.setDaemon(true);
				return thread;
			});
			server.setExecutor(executor);
			server.createContext("/", exchange -> {
				try (exchange) {
					exchange.getRequestBody().readAllBytes();
					byte[] body = ("{\"path\":\"" + exchange.getRequestURI().getPath()
							+ "\",\"items\":[{\"id\":1,\"name\":\"Roses\",\"price\":12000}]}")
						.getBytes(StandardCharsets.UTF_8);
					exchange.getResponseHeaders().set("Content-Type", "application/json");
					exchange.sendResponseHeaders(200, body.length);
					try (OutputStream out = exchange.getResponseBody()) {
						out.write(body);
					}
				}
			});
			server.start();
			return server;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot start the stub backend on 127.0.0.1:" + port
					+ " (use -Dbackend.stub=false if a backend already listens there)", ex);
		}
	}

	@Override
	public void before() {
		System.out.printf("Browse: %.1f shoppers/s for %s against %s; %s%n", this.shoppersPerSecond, LoadSettings.show(this.duration),
				LoadSettings.baseUrl(), (this.backend != null)
						? "stub backend on 127.0.0.1:" + this.backend.getAddress().getPort() : "the gateway's own backend");
	}

	@Override
	public void after() {
		if (this.backend != null) {
			this.backend.stop(0);
		}
	}

}
