package kz.cvety.load;

import java.time.Duration;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;

import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;

/**
 * A login wave (a sale morning): customers arrive over {@code -Dramp}, request a code, receive it through the
 * SMS webhook this simulation serves, and verify it. Passes when at least {@code -DminLoginSuccess} percent
 * of logins verify and the 99th percentile of responses stays under {@code -DmaxP99Ms}.
 *
 * <p>The gateway must send SMS to the sink: {@code --spring.profiles.active=local,loadtest} (see
 * {@code load-test/README.md}).
 */
public class LoginWaveSimulation extends Simulation {

	private final int users = LoadSettings.integer("users", 300);

	private final Duration ramp = LoadSettings.duration("ramp", "60s");

	private final double minLoginSuccess = LoadSettings.decimal("minLoginSuccess", 95.0);

	private final int maxP99Ms = LoadSettings.integer("maxP99Ms", 2000);

	private final SmsSink sink = SmsSink.start(LoadSettings.text("sms.host", "127.0.0.1"),
			LoadSettings.integer("sms.port", 8099));

	private final HttpProtocolBuilder protocol = http.baseUrl(LoadSettings.baseUrl())
		.acceptHeader("application/json")
		.userAgentHeader("cvety-load-test");

	private final ScenarioBuilder wave = scenario("login wave").feed(Logins.customers())
		.exec(Logins.login(this.sink, Duration.ofMillis(500), Duration.ofSeconds(3)));

	{
		setUp(this.wave.injectOpen(rampUsers(this.users).during(this.ramp))).protocols(this.protocol)
			.assertions(details(Logins.LOGIN).successfulRequests().percent().gte(this.minLoginSuccess),
					global().responseTime().percentile(99.0).lt(this.maxP99Ms));
	}

	@Override
	public void before() {
		System.out.printf("LoginWave: %d customers over %s against %s; SMS sink at %s%n", this.users, LoadSettings.show(this.ramp),
				LoadSettings.baseUrl(), this.sink.webhookUrl());
	}

	@Override
	public void after() {
		System.out.printf("LoginWave: the SMS sink received %d SMS for %d phones (%d malformed)%n", this.sink.total(),
				this.sink.perPhone().size(), this.sink.malformed());
		if (this.sink.total() == 0) {
			System.out.println("LoginWave: no SMS reached the sink: start the gateway with "
					+ "--spring.profiles.active=local,loadtest (or --cvety.otp.sms.provider=webhook "
					+ "--cvety.otp.sms.webhook-url=" + this.sink.webhookUrl() + ")");
		}
		this.sink.close();
	}

}
