package kz.cvety.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;

import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.doIfOrElse;
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
 *
 * <p>Scale-out: with {@code -DsecondBaseUrl}, a second instance on the same Redis takes every other new customer
 * from {@code -DscaleOutAt} into the run, once its readiness is UP ({@link ScaleOut}); {@code load-test/scale-out.sh}
 * starts it mid-run. The run then also passes only with no failed request at all and logins on the second
 * instance.
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

	/** Group of the logins on the second instance of a scale-out run. */
	static final String SECOND_LOGIN = "login on the second instance";

	private final String secondBaseUrl = LoadSettings.text("secondBaseUrl", "").replaceAll("/+$", "");

	private final ScaleOut scaleOut = this.secondBaseUrl.isEmpty() ? null
			: new ScaleOut(this.secondBaseUrl, LoadSettings.duration("scaleOutAt", "0s"));

	private final ScenarioBuilder wave = scenario("login wave").feed(Logins.customers()).exec(login());

	{
		List<Assertion> assertions = new ArrayList<>(
				List.of(details(Logins.LOGIN).successfulRequests().percent().gte(this.minLoginSuccess),
						global().responseTime().percentile(99.0).lt(this.maxP99Ms)));
		if (this.scaleOut != null) {
			assertions.add(global().failedRequests().count().is(0L));
			assertions.add(details(SECOND_LOGIN).allRequests().count().gt(0L));
		}
		setUp(this.wave.injectOpen(rampUsers(this.users).during(this.ramp))).protocols(this.protocol)
			.assertions(assertions);
	}

	private ChainBuilder login() {
		Duration minThink = Duration.ofMillis(500);
		Duration maxThink = Duration.ofSeconds(3);
		ChainBuilder first = Logins.login(this.sink, minThink, maxThink);
		if (this.scaleOut == null) {
			return first;
		}
		return doIfOrElse(session -> this.scaleOut.takesNext())
			.then(Logins.login(SECOND_LOGIN, this.secondBaseUrl, this.sink, minThink, maxThink))
			.orElse(first);
	}

	@Override
	public void before() {
		System.out.printf("LoginWave: %d customers over %s against %s; SMS sink at %s%n", this.users, LoadSettings.show(this.ramp),
				LoadSettings.baseUrl(), this.sink.webhookUrl());
		if (this.scaleOut != null) {
			System.out.printf("LoginWave: scale-out: every other new customer to %s from %s, once its readiness is UP%n",
					this.secondBaseUrl, LoadSettings.show(this.scaleOut.at()));
			this.scaleOut.start();
		}
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
		if (this.scaleOut != null) {
			System.out.printf("LoginWave: scale-out: the second instance's readiness was UP %s into the run; of the %d "
					+ "customers who arrived from then on, %d logged in on it; %d customers logged in on the first "
					+ "instance, %d on the second%n",
					this.scaleOut.readyAfter().map((ready) -> String.format("%.1f s", ready.toMillis() / 1000.0))
						.orElse("never"),
					this.scaleOut.afterScaleOut(), this.scaleOut.toSecond(), this.scaleOut.toFirst(),
					this.scaleOut.toSecond());
			this.scaleOut.close();
		}
		this.sink.close();
	}

}
