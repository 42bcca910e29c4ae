package kz.cvety.edge.hostile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import kz.cvety.edge.hostile.RawHttp.Response;
import kz.cvety.edge.support.GatewayInstance;
import kz.cvety.edge.support.RedisContents;
import kz.cvety.edge.support.SmsSink;
import kz.cvety.otp.testing.HttpStub;
import kz.cvety.otp.testing.HttpStub.Reply;

import static kz.cvety.edge.hostile.HostileGateway.REQUEST_OTP;
import static kz.cvety.edge.hostile.HostileGateway.VERIFY_OTP;
import static kz.cvety.edge.hostile.HostileGateway.body;
import static kz.cvety.edge.support.OtpApi.otherCode;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Across a whole OTP flow (sends, wrong, replaced and look-alike codes, a send refusal, an exhausted code, a
 * locked phone, a failing SMS provider, a verification handed off to the backend, invalid and foreign
 * numbers), no code, unmasked phone, secret or token shows up in the whole log (start-up included, with the
 * gateway's own and Spring's web and gateway loggers at DEBUG), in any Redis key or value, or in any problem
 * answer.
 */
@ExtendWith(OutputCaptureExtension.class)
class SecretsNeverLeakIT {

	static final String P = "+77015550301";

	static final String Q = "+77015550302";

	static final String R = "+77015550303";

	static final String T = "+77015550304";

	static final String NO_CODE = "+77015550399";

	static final String FOREIGN = "+12025550143";

	@Test
	void noCodePhoneSecretOrTokenInLogsRedisOrProblemAnswers(CapturedOutput output) {
		List<String> codes = new ArrayList<>();
		List<String> tokens = new ArrayList<>();
		List<Response> problems = new ArrayList<>();
		List<Map<String, String>> redisDumps = new ArrayList<>();
		try (SmsSink sms = new SmsSink(); HttpStub backend = HttpStub.start(); RedisContents redis = RedisContents.connect();
				GatewayInstance gateway = GatewayInstance.start(sms.url(), settings(backend.url()))) {
			RawHttp http = new RawHttp(gateway.port());
			String prefix = gateway.keyPrefix();
			Flow flow = new Flow(http, problems);

			flow.expect(REQUEST_OTP, body(P), 200);
			String c1 = sms.lastCode(P);
			codes.add(c1);
			redisDumps.add(redis.dump(prefix));
			flow.expect(VERIFY_OTP, body(P, otherCode(c1)), 401);
			flow.expect(VERIFY_OTP, body(P, Hostile.inBlock(c1, 0x0660)), 400);
			flow.expect(REQUEST_OTP, body(P), 200);
			String c2 = sms.lastCode(P);
			codes.add(c2);
			redisDumps.add(redis.dump(prefix));
			assertThatProblem(flow.expect(REQUEST_OTP, body(P), 429)).as("third send").hasStatus(429)
				.hasCode("rate_limited");
			String wrong = c2.equals("000000") ? "111111" : "000000";
			flow.expect(VERIFY_OTP, body(P, wrong), 401);
			flow.expect(VERIFY_OTP, body(P, wrong), 401);
			flow.expect(VERIFY_OTP, body(P, c1.equals(c2) ? wrong : c1), 401);
			assertThatProblem(flow.expect(VERIFY_OTP, body(P, c2), 429)).as("right code too late").hasStatus(429)
				.hasCode("otp_attempts_exhausted");

			sms.respond(request -> Reply.json(500, "{\"error\":\"provider down\"}"));
			flow.expect(REQUEST_OTP, body(Q), 503);
			codes.add(sms.lastCode(Q));
			sms.reset();

			flow.expect(REQUEST_OTP, body(R), 200);
			String c4 = sms.lastCode(R);
			codes.add(c4);
			redisDumps.add(redis.dump(prefix));
			flow.expect(VERIFY_OTP, body(R, c4), 200);
			String token = backend.requests().get(0).headers().get("X-Otp-Verification");
			assertThat(token).as("hand-off token").isNotBlank();
			tokens.add(token);

			flow.expect(REQUEST_OTP, body(T), 200);
			String c5 = sms.lastCode(T);
			codes.add(c5);
			String wrongT = otherCode(c5);
			for (int i = 0; i < 3; i++) {
				flow.expect(VERIFY_OTP, body(T, wrongT), 401);
			}
			flow.expect(REQUEST_OTP, body(T), 200);
			String c6 = sms.lastCode(T);
			codes.add(c6);
			redisDumps.add(redis.dump(prefix));
			flow.expect(VERIFY_OTP, body(T, otherCode(c6)), 401);
			assertThatProblem(flow.expect(VERIFY_OTP, body(T, otherCode(c6)), 429)).as("locked").hasStatus(429)
				.hasCode("verify_locked");

			flow.expect(REQUEST_OTP, body("8 (701) 555-03-01 x"), 400);
			assertThatProblem(flow.expect(REQUEST_OTP, body(FOREIGN), 400)).as(FOREIGN).hasStatus(400)
				.hasCode("region_not_allowed");
			flow.expect(VERIFY_OTP, body(NO_CODE, "123456"), 401);
			redisDumps.add(redis.dump(prefix));

			assertThat(output).as("decision log lines carry masked phones")
				.contains("phone=+7701***0301 outcome=sent")
				.contains("phone=+7701***0304 outcome=locked")
				.contains("phone=+7701***0302 outcome=unconfirmed");
		}

		String log = output.getAll();
		for (String phone : List.of(P, Q, R, T, NO_CODE, FOREIGN)) {
			Pattern digits = phoneDigits(phone);
			assertThat(digits.matcher(log).find()).as("log shows %s unmasked: %s", phone, around(log, digits)).isFalse();
			for (Map<String, String> dump : redisDumps) {
				assertThat(dump.toString()).as("Redis holds %s", phone).doesNotContainPattern(digits);
			}
			for (Response problem : problems) {
				assertThat(problem.text()).as("problem answer shows %s", phone).doesNotContainPattern(digits);
			}
		}
		for (String code : codes) {
			Pattern standalone = Pattern.compile("(?<![0-9])" + code + "(?![0-9])");
			assertThat(standalone.matcher(log).find()).as("log shows code %s: %s", code, around(log, standalone)).isFalse();
			for (Map<String, String> dump : redisDumps) {
				assertThat(dump.toString()).as("Redis holds code %s", code).doesNotContainPattern(standalone);
			}
			for (Response problem : problems) {
				assertThat(problem.text()).as("problem answer shows code %s", code).doesNotContainPattern(standalone);
			}
		}
		assertThat(log).doesNotContain(GatewayInstance.HASH_SECRET).doesNotContain(GatewayInstance.TOKEN_SECRET);
		tokens.forEach(token -> assertThat(log).doesNotContain(token).doesNotContain(token.split("\\.")[1]));
		System.out.printf("Checked %d log characters, %d Redis dumps, %d problem answers for %d phones and %d codes%n",
				log.length(), redisDumps.size(), problems.size(), 6, codes.size());
	}

	private static Map<String, String> settings(String backendUrl) {
		Map<String, String> settings = new HashMap<>(HostileGateway.PATIENT_REDIS);
		settings.putAll(Map.of("cvety.backend-url", backendUrl, "cvety.otp.handoff.enabled", "true",
				"cvety.otp.limits.send-per-phone", "2/1h", "cvety.otp.limits.verify-failures-per-phone", "4/1h",
				"logging.level.org.springframework.web", "DEBUG", "logging.level.org.springframework.http", "DEBUG",
				"logging.level.org.springframework.cloud.gateway", "DEBUG"));
		return settings;
	}

	/**
	 * The phone's national digits (+7 and +1 numbers), with or without the country code and any separators
	 * between them, not part of a longer number.
	 */
	private static Pattern phoneDigits(String e164) {
		String separators = "[\\s().\\-]*";
		String national = e164.substring(2).chars()
			.mapToObj(c -> String.valueOf((char) c))
			.collect(Collectors.joining(separators));
		return Pattern.compile("(?<![0-9])(?:" + e164.charAt(1) + separators + ")?" + national + "(?![0-9])");
	}

	private static String around(String log, Pattern pattern) {
		var matcher = pattern.matcher(log);
		if (!matcher.find()) {
			return "";
		}
		int start = Math.max(0, log.lastIndexOf('\n', matcher.start()) + 1);
		int end = log.indexOf('\n', matcher.end());
		return log.substring(start, (end < 0) ? log.length() : end);
	}

	/** Sends requests, checks their status and keeps every problem answer. */
	private record Flow(RawHttp http, List<Response> problems) {

		Response expect(String path, byte[] body, int status) {
			Response answer = this.http.postJson(path, body);
			assertThat(answer.status()).as("%s %s: %s", path, new String(body), answer).isEqualTo(status);
			if (status >= 400) {
				this.problems.add(answer);
			}
			return answer;
		}

	}

}
