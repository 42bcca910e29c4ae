package kz.cvety.edge;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import kz.cvety.edge.support.ConfigFiles;
import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.OtpApi;
import kz.cvety.edge.support.OtpApi.Answer;
import kz.cvety.otp.testing.HttpStub;
import kz.cvety.otp.testing.TestRedis;

import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A route that gives {@code RateLimit} or {@code OtpAdmission} an argument they do not take stops start-up, and
 * a refresh that brings one is refused, naming the route, the filter, the argument and the one probably meant.
 */
@ExtendWith(OutputCaptureExtension.class)
class RouteArgumentsIT {

	static final String ROUTES = "spring.cloud.gateway.server.webflux.routes";

	static HttpStub backend;

	@TempDir
	Path config;

	@BeforeAll
	static void startBackend() {
		backend = HttpStub.start();
	}

	@AfterAll
	static void stopBackend() {
		backend.close();
	}

	@Test
	void aMistypedRateLimitArgumentStopsStartUpNamingRouteFilterAndArgument(CapturedOutput output) {
		Map<String, String> settings = settings();
		rateLimitRoute(settings, 0, "orders");
		settings.put(ROUTES + "[0].filters[0].args.keyy", "ip");

		assertThatThrownBy(() -> GatewayInstance.start(settings).close()).isInstanceOf(RuntimeException.class);

		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains(ROUTES + "[0].filters[0].args.keyy: route 'orders': filter RateLimit has no argument 'keyy'"
					+ " (did you mean 'key'?)")
			.contains("Use one of RateLimit's arguments: dry-run, fail-mode, key, limits, name, refill.")
			.doesNotContain("Started GatewayApplication");
	}

	@Test
	void aMistypedOtpAdmissionArgumentStopsStartUp(CapturedOutput output) {
		Map<String, String> settings = settings();
		rateLimitRoute(settings, 0, "orders");
		settings.put(ROUTES + "[1].id", "otp-verify");
		settings.put(ROUTES + "[1].uri", "forward:/_cvety/otp/verify-otp");
		settings.put(ROUTES + "[1].predicates[0]", "Path=/api/auth/verify-otp");
		settings.put(ROUTES + "[1].filters[0].name", "OtpAdmission");
		settings.put(ROUTES + "[1].filters[0].args.operaton", "verify");

		assertThatThrownBy(() -> GatewayInstance.start(settings).close()).isInstanceOf(RuntimeException.class);

		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains(ROUTES + "[1].filters[0].args.operaton: route 'otp-verify': filter OtpAdmission has no argument"
					+ " 'operaton' (did you mean 'operation'?)")
			.doesNotContain("Started GatewayApplication");
	}

	@Test
	void everyKnownArgumentAndTheShortcutFormsStillStart() {
		Map<String, String> settings = settings();
		rateLimitRoute(settings, 0, "orders");
		String filter = ROUTES + "[0].filters[0].args.";
		settings.put(filter + "name", "orders");
		settings.put(filter + "refill", "interval");
		settings.put(filter + "fail-mode", "closed");
		settings.put(filter + "dryRun", "false");
		settings.put(ROUTES + "[1].id", "otp-request");
		settings.put(ROUTES + "[1].uri", "forward:/_cvety/otp/request-otp");
		settings.put(ROUTES + "[1].predicates[0]", "Path=/api/auth/request-otp");
		settings.put(ROUTES + "[1].filters[0]", "OtpAdmission=send");
		settings.put(ROUTES + "[2].id", "otp-verify");
		settings.put(ROUTES + "[2].uri", "forward:/_cvety/otp/verify-otp");
		settings.put(ROUTES + "[2].predicates[0]", "Path=/api/auth/verify-otp");
		settings.put(ROUTES + "[2].filters[0].name", "OtpAdmission");
		settings.put(ROUTES + "[2].filters[0].args.operation", "verify");

		try (GatewayInstance gateway = GatewayInstance.start(settings)) {
			assertThat(OtpApi.get(gateway.url() + "/api/orders/1").status()).isEqualTo(200);
			assertThat(OtpApi.requestOtp(gateway.url(), "+77015550101").status()).isIn(200, 503);
			assertThatProblem(OtpApi.verify(gateway.url(), "+77015550101", "000000")).hasStatus(401)
				.hasCodeIn("otp_invalid", "otp_expired");
		}
	}

	@Test
	void aRefreshBringingAMistypedArgumentIsRefusedAndTheRoutesInForceStay() throws IOException {
		writeRoute("limits: [2/1m]");
		Map<String, String> settings = settings();
		settings.put("spring.config.additional-location", "file:" + this.config.toAbsolutePath() + "/");
		try (GatewayInstance gateway = GatewayInstance.start(settings)) {
			assertThat(OtpApi.get(gateway.url() + "/api/orders/1").status()).isEqualTo(200);

			writeRoute("limits: [5/1m]\n                    keyy: header:X-Api-Key");
			Answer refused = OtpApi.post(gateway.url() + "/actuator/refresh", "");
			assertThat(refused.status()).isNotEqualTo(200);

			assertThat(OtpApi.get(gateway.url() + "/api/orders/2").status()).isEqualTo(200);
			Answer limited = OtpApi.get(gateway.url() + "/api/orders/3");
			assertThatProblem(limited).as("the route keeps its 2/1m").isRateLimitedBy("orders");
		}
	}

	static Map<String, String> settings() {
		Map<String, String> settings = new LinkedHashMap<>(
				GatewayInstance.defaults("http://127.0.0.1:9/sms", TestRedis.uniquePrefix()));
		return settings;
	}

	static void rateLimitRoute(Map<String, String> settings, int index, String id) {
		String route = ROUTES + "[" + index + "].";
		settings.put(route + "id", id);
		settings.put(route + "uri", backend.url());
		settings.put(route + "predicates[0]", "Path=/api/orders/**");
		settings.put(route + "filters[0].name", "RateLimit");
		settings.put(route + "filters[0].args.key", "ip");
		settings.put(route + "filters[0].args.limits[0]", "5/1m");
	}

	void writeRoute(String args) throws IOException {
		ConfigFiles.writeRateLimitedRoute(this.config, backend.url(), args);
	}

}
