package kz.cvety.otp.token;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Runs the backend's {@code docs/backend/verify_otp_token.py} as a real process on issued and forged tokens. */
@Timeout(120)
class BackendTokenCheckIT {

	private static final Path SCRIPT = Path.of("..", "docs", "backend", "verify_otp_token.py");

	private static final String SECRET = "backend-shared-secret-of-32-bytes-or-more";

	private static final String PHONE = "+77771234567";

	private static final String HS256_HEADER = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

	private final VerificationTokenIssuer issuer = new VerificationTokenIssuer(SECRET, Duration.ofMinutes(5),
			Clock.systemUTC());

	@BeforeAll
	static void requirePython() {
		assumeTrue(onPath("python3"), "python3 is not on PATH");
		assertThat(SCRIPT).isRegularFile();
	}

	@Test
	void acceptsTokenFromTheIssuerAndPrintsThePhone() throws Exception {
		Result result = check(this.issuer.issue(PHONE), SECRET);

		assertThat(result.exitCode()).as(result.stderr()).isZero();
		assertThat(result.stdout()).isEqualTo(PHONE);
	}

	@Test
	void rejectsTokenSignedWithAnotherSecret() throws Exception {
		VerificationTokenIssuer other = new VerificationTokenIssuer("another-secret-that-is-also-32-bytes-long",
				Duration.ofMinutes(5), Clock.systemUTC());

		assertRejected(check(other.issue(PHONE), SECRET), "signature");
	}

	@Test
	void rejectsUnsignedAlgNoneToken() throws Exception {
		String[] parts = this.issuer.issue(PHONE).split("\\.");
		String noneHeader = base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}");

		assertRejected(check(noneHeader + "." + parts[1] + ".", SECRET), "HS256");
		assertRejected(check(noneHeader + "." + parts[1] + "." + parts[2], SECRET), "HS256");
	}

	@Test
	void rejectsHs512TokenSignedWithTheSameSecret() throws Exception {
		String payload = this.issuer.issue(PHONE).split("\\.")[1];
		String token = signed(base64Url("{\"alg\":\"HS512\",\"typ\":\"JWT\"}") + "." + payload, "HmacSHA512");

		assertRejected(check(token, SECRET), "HS256");
	}

	@Test
	void rejectsTokenWhosePayloadWasTampered() throws Exception {
		String[] parts = this.issuer.issue(PHONE).split("\\.");
		String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
		String tampered = base64Url(payload.replace(PHONE, "+77770000000"));

		assertThat(tampered).isNotEqualTo(parts[1]);
		assertRejected(check(parts[0] + "." + tampered + "." + parts[2], SECRET), "signature");
	}

	@Test
	void rejectsExpiredToken() throws Exception {
		VerificationTokenIssuer past = issuerAt(Instant.now().minus(Duration.ofMinutes(10)));

		assertRejected(check(past.issue(PHONE), SECRET), "expired");
	}

	@Test
	void acceptsTokenExpiredWithinTheClockSkewLeeway() throws Exception {
		VerificationTokenIssuer past = issuerAt(Instant.now().minus(Duration.ofMinutes(5)).minusSeconds(10));

		Result result = check(past.issue(PHONE), SECRET);

		assertThat(result.exitCode()).as(result.stderr()).isZero();
		assertThat(result.stdout()).isEqualTo(PHONE);
	}

	@Test
	void rejectsTokenIssuedInTheFutureBeyondTheLeeway() throws Exception {
		VerificationTokenIssuer future = issuerAt(Instant.now().plus(Duration.ofMinutes(2)));

		assertRejected(check(future.issue(PHONE), SECRET), "future");
	}

	static Stream<Arguments> claimSetsBreakingTheContract() {
		long now = Instant.now().getEpochSecond();
		String iat = "\"iat\":" + now;
		String exp = "\"exp\":" + (now + 300);
		String jti = "\"jti\":\"3f0c1f9e-8d4b-4a57-9a0e-0d6b1c2e4f51\"";
		String amr = "\"amr\":[\"otp\"]";
		String sub = "\"sub\":\"" + PHONE + "\"";
		String iss = "\"iss\":\"cvety-edge\"";
		return Stream.of(Arguments.of("another issuer", json("\"iss\":\"someone-else\"", sub, iat, exp, jti, amr)),
				Arguments.of("no issuer", json(sub, iat, exp, jti, amr)),
				Arguments.of("no amr", json(iss, sub, iat, exp, jti)),
				Arguments.of("amr without otp", json(iss, sub, iat, exp, jti, "\"amr\":[\"pwd\"]")),
				Arguments.of("amr as a string", json(iss, sub, iat, exp, jti, "\"amr\":\"otp\"")),
				Arguments.of("no subject", json(iss, iat, exp, jti, amr)),
				Arguments.of("empty subject", json(iss, "\"sub\":\"\"", iat, exp, jti, amr)),
				Arguments.of("no expiry", json(iss, sub, iat, jti, amr)),
				Arguments.of("expiry as a string", json(iss, sub, iat, "\"exp\":\"" + (now + 300) + "\"", jti, amr)),
				Arguments.of("no issued-at", json(iss, sub, exp, jti, amr)),
				Arguments.of("duplicate subject", json(iss, sub, "\"sub\":\"+77770000000\"", iat, exp, jti, amr)),
				Arguments.of("payload not an object", "[" + iss.replace(':', ',') + "]"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("claimSetsBreakingTheContract")
	void rejectsCorrectlySignedTokenWhoseClaimsBreakTheContract(String description, String payloadJson)
			throws Exception {
		String token = signed(base64Url(HS256_HEADER) + "." + base64Url(payloadJson), "HmacSHA256");

		assertRejected(check(token, SECRET), "");
	}

	@Test
	void acceptsHandBuiltTokenThatKeepsTheContract() throws Exception {
		long now = Instant.now().getEpochSecond();
		String payload = json("\"iss\":\"cvety-edge\"", "\"sub\":\"" + PHONE + "\"", "\"iat\":" + now,
				"\"exp\":" + (now + 300), "\"amr\":[\"otp\"]");

		Result result = check(signed(base64Url(HS256_HEADER) + "." + base64Url(payload), "HmacSHA256"), SECRET);

		assertThat(result.exitCode()).as(result.stderr()).isZero();
		assertThat(result.stdout()).isEqualTo(PHONE);
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "not-a-token", "a.b", "a.b.c", "a.b.c.d", "..", "e30.e30.e30" })
	void rejectsMalformedToken(String token) throws Exception {
		assertRejected(check(token, SECRET), "");
	}

	@Test
	void rejectsTokenWithAPartAppended() throws Exception {
		assertRejected(check(this.issuer.issue(PHONE) + ".e30", SECRET), "3 parts");
	}

	@Test
	void refusesToRunWithASecretShorterThan32Bytes() throws Exception {
		String shortSecret = SECRET.substring(0, VerificationTokenIssuer.MIN_SECRET_BYTES - 1);
		String payload = this.issuer.issue(PHONE).split("\\.")[1];
		String token = signed(base64Url(HS256_HEADER) + "." + payload, "HmacSHA256", shortSecret);

		Result result = check(token, shortSecret);

		assertThat(result.exitCode()).isEqualTo(2);
		assertThat(result.stdout()).isEmpty();
		assertThat(result.stderr()).contains("OTP_TOKEN_SECRET").contains("32 bytes");
	}

	private static void assertRejected(Result result, String reason) {
		assertThat(result.exitCode()).as("exit code; stderr: %s", result.stderr()).isEqualTo(1);
		assertThat(result.stdout()).isEmpty();
		assertThat(result.stderr()).startsWith("invalid token").contains(reason);
	}

	private static VerificationTokenIssuer issuerAt(Instant instant) {
		return new VerificationTokenIssuer(SECRET, Duration.ofMinutes(5), Clock.fixed(instant, ZoneOffset.UTC));
	}

	private static String json(String... members) {
		return "{" + String.join(",", members) + "}";
	}

	private static String base64Url(String json) {
		return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
	}

	private static String signed(String signingInput, String macAlgorithm) throws Exception {
		return signed(signingInput, macAlgorithm, SECRET);
	}

	private static String signed(String signingInput, String macAlgorithm, String secret) throws Exception {
		Mac mac = Mac.getInstance(macAlgorithm);
		mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), macAlgorithm));
		byte[] signature = mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
		return signingInput + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
	}

	private static Result check(String token, String secret) throws Exception {
		ProcessBuilder builder = new ProcessBuilder("python3", SCRIPT.toString(), token);
		builder.environment().put("OTP_TOKEN_SECRET", secret);
		Process process = builder.start();
		process.getOutputStream().close();
		String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("python3 finished").isTrue();
		return new Result(process.exitValue(), stdout.strip(), stderr.strip());
	}

	private static boolean onPath(String command) {
		String path = System.getenv("PATH");
		if (path == null) {
			return false;
		}
		return Stream.of(path.split(File.pathSeparator))
			.filter((directory) -> !directory.isEmpty())
			.map((directory) -> Path.of(directory, command))
			.anyMatch(Files::isExecutable);
	}

	/** What one run of the Python check printed and returned. */
	private record Result(int exitCode, String stdout, String stderr) {
	}

}
