package kz.cvety.load;

import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import io.gatling.javaapi.core.ChainBuilder;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.group;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

/**
 * A customer's login, as the Cvety.kz frontend does it: request a code, read it from the SMS (the
 * {@link SmsSink}), verify it. Each customer has a phone of their own and a client IP of their own, carried in
 * {@code X-Forwarded-For} as the one trusted proxy in front of the gateway would add it.
 */
final class Logins {

	/** Group name of one login; assertions on login success refer to it. */
	static final String LOGIN = "login";

	/** Code sent when the sink has none for the phone, so that the verification fails visibly. */
	private static final String NO_CODE = "000000";

	private Logins() {
	}

	/**
	 * Customers with fresh phones ({@code +7701…}, from a random point per run) and distinct client IPs. One after
	 * another they take a number in each of the thousand ranges ({@code +7701RRRxxxx}) in turn, as real customers'
	 * numbers are spread, rather than thousands in one range: the pumping guard counts codes sent to a range
	 * against the codes verified there, and a wave numbered in sequence would fill one range with sends faster than
	 * its first customers verify.
	 */
	static Iterator<Map<String, Object>> customers() {
		long start = ThreadLocalRandom.current().nextLong(9_000_000);
		AtomicLong next = new AtomicLong();
		return Stream.generate(() -> {
			long index = next.getAndIncrement();
			long number = (start + index) % 10_000_000;
			String national = String.format("701%03d%04d", number % 1000, number / 1000);
			return Map.<String, Object>of("phone", "+7" + national, "typed", typed(national, index), "ip",
					"100." + (64 + ((index >> 16) & 63)) + "." + ((index >> 8) & 255) + "." + (index & 255));
		}).iterator();
	}

	/** The number as customers type it: E.164, the domestic 8 prefix with spaces, or 7 without a plus. */
	private static String typed(String national, long index) {
		return switch ((int) (index % 3)) {
			case 0 -> "+7" + national;
			case 1 -> "8 " + national.substring(0, 3) + " " + national.substring(3, 6) + " " + national.substring(6, 8)
					+ " " + national.substring(8);
			default -> "7" + national;
		};
	}

	/** One login of the fed customer, as group {@link #LOGIN}; reads the code from {@code sink}. */
	static ChainBuilder login(SmsSink sink, Duration minThink, Duration maxThink) {
		return login(LOGIN, "", sink, minThink, maxThink);
	}

	/**
	 * One login of the fed customer, as group {@code group}, against {@code baseUrl} (empty: the protocol's base
	 * URL); reads the code from {@code sink}.
	 */
	static ChainBuilder login(String group, String baseUrl, SmsSink sink, Duration minThink, Duration maxThink) {
		return group(group).on(exec(http("request-otp").post(baseUrl + "/api/auth/request-otp")
			.header("X-Forwarded-For", "#{ip}")
			.body(StringBody("{\"phone\":\"#{typed}\"}"))
			.asJson()
			.check(status().is(200), jsonPath("$.status").is("sent"), jsonPath("$.phone").isEL("#{phone}")))
			.exitHereIfFailed()
			// The customer reads the SMS and types the code.
			.pause(minThink, maxThink)
			.exec(session -> session.set("code", sink.lastCode(session.getString("phone")).orElse(NO_CODE)))
			.exec(http("verify-otp").post(baseUrl + "/api/auth/verify-otp")
				.header("X-Forwarded-For", "#{ip}")
				.body(StringBody("{\"phone\":\"#{phone}\",\"otp_code\":\"#{code}\"}"))
				.asJson()
				.check(status().is(200), jsonPath("$.status").is("verified"),
						jsonPath("$.verification_token").exists())));
	}

}
