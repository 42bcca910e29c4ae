package kz.cvety.load;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.Stream;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;

import kz.cvety.load.LoadSettings.Limit;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

/**
 * SMS pumping (toll fraud) during a login wave: bots request codes for sequential numbers ({@code +7702…})
 * from a few IPs, other bots hammer single numbers ({@code +7705…}) from ever-changing IPs, and a ring walks one
 * number range ({@code +7708444…}) from {@code ringIps} rotating addresses and never verifies, while customers
 * log in. At the end, {@code GET /verdict} of the SMS sink checks the SMS actually sent against the configured
 * limits (per phone, per IP, global: at most a full bucket plus what refilled during the run), that the ring's
 * range got no more than its range limit or the pumping guard's {@code min-sends} let through and that the guard
 * refused it within its window; the assertions require that, and that at least {@code -DminLoginSuccess}
 * percent of customers still logged in.
 *
 * <p>Pass the gateway's limits if they differ from the {@code loadtest} profile's:
 * {@code -Dlimits.sendPerPhone=10/1m -Dlimits.sendPerIp=30/1m -Dlimits.sendGlobal=6000/1m
 * -Dlimits.sendPerPrefix=1000000/1m -Dpumping.minSends=20 -Dpumping.window=6h}.
 */
public class SmsPumpingSimulation extends Simulation {

	/** Request name of the final check; an assertion requires it to succeed. */
	static final String VERDICT = "SMS within configured limits";

	static final String PUMP = "bot request-otp (sequential numbers)";

	static final String HAMMER = "bot request-otp (one number)";

	static final String RING = "ring request-otp (one range)";

	/** The range the ring walks: {@code +7708444xxxx}, a range of 10,000 numbers at the default width. */
	static final String RING_RANGE = "+7708444";

	private final Duration duration = LoadSettings.duration("duration", "60s");

	private final int customers = LoadSettings.integer("users", 200);

	private final int botIps = LoadSettings.integer("botIps", 3);

	private final double pumpRatePerIp = LoadSettings.decimal("pumpRate", 5.0);

	private final int hammeredPhones = LoadSettings.integer("hammeredPhones", 2);

	private final double hammerRatePerPhone = LoadSettings.decimal("hammerRate", 5.0);

	private final int ringIps = LoadSettings.integer("ringIps", 50);

	private final double ringRate = LoadSettings.decimal("ringRate", 5.0);

	private final double minLoginSuccess = LoadSettings.decimal("minLoginSuccess", 100.0);

	private final List<Limit> sendPerPhone = LoadSettings.limits("limits.sendPerPhone", "10/1m");

	private final List<Limit> sendPerIp = LoadSettings.limits("limits.sendPerIp", "30/1m");

	private final List<Limit> sendGlobal = LoadSettings.limits("limits.sendGlobal", "6000/1m");

	private final List<Limit> sendPerPrefix = LoadSettings.limits("limits.sendPerPrefix", "1000000/1m");

	private final int guardMinSends = LoadSettings.integer("pumping.minSends", 20);

	private final Duration guardWindow = LoadSettings.duration("pumping.window", "6h");

	// Ring requests already past the guard's check when the send that trips it is counted: at most the ring's
	// requests in flight at once.
	private final int guardSlack = LoadSettings.integer("pumping.slack", 5);

	private final SmsSink sink = SmsSink.start(LoadSettings.text("sms.host", "127.0.0.1"),
			LoadSettings.integer("sms.port", 8099));

	private final long startedNanos = System.nanoTime();

	/** Bot answers: [0] admitted (200), [1] refused (429), [2] anything else. */
	private final AtomicLongArray pumpOutcomes = new AtomicLongArray(3);

	private final AtomicLongArray hammerOutcomes = new AtomicLongArray(3);

	private final AtomicLongArray ringOutcomes = new AtomicLongArray(3);

	/** Ring refusals by the pumping guard, and when the first came (nanos since start, or -1). */
	private final AtomicLong ringGuardRefusals = new AtomicLong();

	private final AtomicLong firstGuardRefusalNanos = new AtomicLong(-1);

	private final HttpProtocolBuilder protocol = http.baseUrl(LoadSettings.baseUrl())
		.acceptHeader("application/json")
		.userAgentHeader("cvety-load-test");

	private final ScenarioBuilder wave = scenario("login wave").feed(Logins.customers())
		.exec(Logins.login(this.sink, Duration.ofMillis(500), Duration.ofSeconds(3)));

	private final ScenarioBuilder pump = scenario("bots: sequential numbers from a few IPs").feed(pumpTargets())
		.exec(http(PUMP).post("/api/auth/request-otp")
			.header("X-Forwarded-For", "#{ip}")
			.body(StringBody("{\"phone\":\"#{phone}\"}"))
			.asJson()
			.check(status().in(200, 429), status().saveAs("status")))
		.exec(session -> count(this.pumpOutcomes, session.getInt("status"), session));

	private final ScenarioBuilder hammer = scenario("bots: one number hammered").feed(hammerTargets())
		.exec(http(HAMMER).post("/api/auth/request-otp")
			.header("X-Forwarded-For", "#{ip}")
			.body(StringBody("{\"phone\":\"#{phone}\"}"))
			.asJson()
			.check(status().in(200, 429), status().saveAs("status")))
		.exec(session -> count(this.hammerOutcomes, session.getInt("status"), session));

	private final ScenarioBuilder ring = scenario("ring: one range from rotating IPs").feed(ringTargets())
		.exec(http(RING).post("/api/auth/request-otp")
			.header("X-Forwarded-For", "#{ip}")
			.body(StringBody("{\"phone\":\"#{phone}\"}"))
			.asJson()
			.check(status().in(200, 429), status().saveAs("status"),
					jsonPath("$.limit").optional().saveAs("limit")))
		.exec(session -> {
			if ("pumping-guard".equals(session.getString("limit"))) {
				this.ringGuardRefusals.incrementAndGet();
				this.firstGuardRefusalNanos.compareAndSet(-1, System.nanoTime() - this.startedNanos);
			}
			return count(this.ringOutcomes, session.getInt("status"), session);
		});

	// Once the wave is over, give the last SMS a moment to land, then judge.
	private final ScenarioBuilder verdict = scenario("verdict").pause(Duration.ofSeconds(3))
		.exec(http(VERDICT).get(this.sink.verdictUrl())
			.check(status().is(200), jsonPath("$.within_limits").ofBoolean().is(true),
					jsonPath("$.ring_stopped").ofBoolean().is(true)));

	{
		this.sink.judgeWith(this::judge);
		setUp(this.wave.injectOpen(rampUsers(this.customers).during(this.duration))
			.andThen(this.verdict.injectOpen(atOnceUsers(1))),
				this.pump.injectOpen(constantUsersPerSec(this.pumpRatePerIp * this.botIps).during(this.duration)),
				this.hammer.injectOpen(
						constantUsersPerSec(this.hammerRatePerPhone * this.hammeredPhones).during(this.duration)),
				this.ring.injectOpen(constantUsersPerSec(this.ringRate).during(this.duration)))
			.protocols(this.protocol)
			.assertions(details(Logins.LOGIN).successfulRequests().percent().gte(this.minLoginSuccess),
					details(VERDICT).successfulRequests().count().is(1L),
					details(PUMP).failedRequests().count().is(0L), details(HAMMER).failedRequests().count().is(0L),
					details(RING).failedRequests().count().is(0L));
	}

	/** Bot {@code i % botIps} asks for its next sequential number: {@code +7702<ip index><6 digits>}. */
	private Iterator<Map<String, Object>> pumpTargets() {
		AtomicLong next = new AtomicLong();
		return Stream.generate(() -> {
			long n = next.getAndIncrement();
			int ip = (int) (n % this.botIps);
			long sequence = n / this.botIps;
			return Map.<String, Object>of("ip", botIp(ip), "phone", String.format("+7702%d%06d", ip, sequence));
		}).iterator();
	}

	/** The ring's next number of its range, each request from the next of {@code ringIps} addresses. */
	private Iterator<Map<String, Object>> ringTargets() {
		AtomicLong next = new AtomicLong();
		return Stream.generate(() -> {
			long n = next.getAndIncrement();
			return Map.<String, Object>of("ip", "198.51.100." + (1 + n % this.ringIps), "phone",
					String.format("%s%04d", RING_RANGE, n % 10_000));
		}).iterator();
	}

	/** The hammered numbers, round robin, each request from a random address (a botnet). */
	private Iterator<Map<String, Object>> hammerTargets() {
		AtomicLong next = new AtomicLong();
		return Stream.generate(() -> {
			long n = next.getAndIncrement();
			ThreadLocalRandom random = ThreadLocalRandom.current();
			return Map.<String, Object>of("ip", "198.18." + random.nextInt(256) + "." + random.nextInt(1, 255), "phone",
					hammeredPhone((int) (n % this.hammeredPhones)));
		}).iterator();
	}

	private static String botIp(int index) {
		return "203.0.113." + (10 + index);
	}

	private static String hammeredPhone(int index) {
		return String.format("+77050000%03d", index);
	}

	private static Session count(AtomicLongArray outcomes, int status, Session session) {
		outcomes.incrementAndGet((status == 200) ? 0 : (status == 429) ? 1 : 2);
		return session;
	}

	/** Counts the SMS the sink received against the most the configured limits allow in the time elapsed. */
	private Map<String, Object> judge() {
		Duration elapsed = Duration.ofNanos(System.nanoTime() - this.startedNanos);
		Map<String, Long> perPhone = this.sink.perPhone();
		long perPhoneBound = Limit.mostWithin(this.sendPerPhone, elapsed);
		long perIpBound = Limit.mostWithin(this.sendPerIp, elapsed);
		long globalBound = Limit.mostWithin(this.sendGlobal, elapsed);

		long total = perPhone.values().stream().mapToLong(Long::longValue).sum();
		long customersSms = sum(perPhone, "+7701");
		Map<String, Long> pumpedPerIp = new LinkedHashMap<>();
		for (int ip = 0; ip < this.botIps; ip++) {
			pumpedPerIp.put(botIp(ip), sum(perPhone, "+7702" + ip));
		}
		Map<String, Long> hammered = new LinkedHashMap<>();
		for (int i = 0; i < this.hammeredPhones; i++) {
			hammered.put(hammeredPhone(i), perPhone.getOrDefault(hammeredPhone(i), 0L));
		}
		long maxPerPhone = perPhone.values().stream().mapToLong(Long::longValue).max().orElse(0);
		long maxPerBotIp = pumpedPerIp.values().stream().mapToLong(Long::longValue).max().orElse(0);

		boolean withinLimits = maxPerPhone <= perPhoneBound && maxPerBotIp <= perIpBound && total <= globalBound;
		// The ring's range stops at its range limit or at the guard, whichever lets fewer through.
		long ringSms = sum(perPhone, RING_RANGE);
		long ringBound = Math.min(Limit.mostWithin(this.sendPerPrefix, elapsed), this.guardMinSends + this.guardSlack);
		long firstGuardRefusal = this.firstGuardRefusalNanos.get();
		boolean guardInWindow = firstGuardRefusal >= 0 && Duration.ofNanos(firstGuardRefusal).compareTo(this.guardWindow) <= 0;
		Map<String, Object> verdict = new LinkedHashMap<>();
		verdict.put("within_limits", withinLimits);
		verdict.put("ring_stopped", ringSms <= ringBound && guardInWindow);
		verdict.put("sms_to_ring_range", ringSms);
		verdict.put("sms_to_ring_range_bound", ringBound);
		verdict.put("ring_guard_refusals", this.ringGuardRefusals.get());
		verdict.put("ring_first_guard_refusal_seconds", (firstGuardRefusal < 0) ? -1 : firstGuardRefusal / 1e9);
		verdict.put("elapsed_seconds", elapsed.toMillis() / 1000.0);
		verdict.put("limits", Map.of("send_per_phone", this.sendPerPhone.toString(), "send_per_ip",
				this.sendPerIp.toString(), "send_global", this.sendGlobal.toString()));
		verdict.put("sms_total", total);
		verdict.put("sms_total_bound", globalBound);
		verdict.put("sms_to_customers", customersSms);
		verdict.put("sms_pumped_per_bot_ip", pumpedPerIp);
		verdict.put("sms_per_ip_bound", perIpBound);
		verdict.put("sms_to_hammered_numbers", hammered);
		verdict.put("sms_max_per_phone", maxPerPhone);
		verdict.put("sms_per_phone_bound", perPhoneBound);
		verdict.put("pump_requests", outcomes(this.pumpOutcomes));
		verdict.put("hammer_requests", outcomes(this.hammerOutcomes));
		verdict.put("ring_requests", outcomes(this.ringOutcomes));
		verdict.put("malformed_webhook_calls", this.sink.malformed());
		return verdict;
	}

	private static long sum(Map<String, Long> perPhone, String prefix) {
		return perPhone.entrySet()
			.stream()
			.filter(entry -> entry.getKey().startsWith(prefix))
			.mapToLong(Map.Entry::getValue)
			.sum();
	}

	private static Map<String, Long> outcomes(AtomicLongArray outcomes) {
		return Map.of("admitted_200", outcomes.get(0), "refused_429", outcomes.get(1), "other", outcomes.get(2));
	}

	@Override
	public void before() {
		System.out.printf(
				"SmsPumping: %d customers over %s; %d bot IPs x %.1f/s on sequential numbers; %d numbers x %.1f/s "
						+ "hammered; a ring on range %sxxxx at %.1f/s from %d IPs; limits per phone %s, per IP %s, "
						+ "global %s, per range %s, pumping guard min-sends %d; SMS sink at %s%n",
				this.customers, LoadSettings.show(this.duration), this.botIps, this.pumpRatePerIp, this.hammeredPhones,
				this.hammerRatePerPhone, RING_RANGE, this.ringRate, this.ringIps, this.sendPerPhone, this.sendPerIp,
				this.sendGlobal, this.sendPerPrefix, this.guardMinSends, this.sink.webhookUrl());
	}

	@Override
	public void after() {
		System.out.println("SmsPumping verdict: " + judge());
		this.sink.close();
	}

}
