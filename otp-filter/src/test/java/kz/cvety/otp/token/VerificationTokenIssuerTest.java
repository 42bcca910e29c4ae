package kz.cvety.otp.token;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.UUID;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class VerificationTokenIssuerTest {

	private static final String SECRET = "test-token-secret-of-at-least-32-bytes";

	private static final Instant NOW = Instant.parse("2026-03-08T09:15:30.789Z");

	private final VerificationTokenIssuer issuer = new VerificationTokenIssuer(SECRET, Duration.ofMinutes(5),
			Clock.fixed(NOW, ZoneOffset.UTC));

	@Test
	void issuesCompactHs256JwtWithTypJwtHeader() throws Exception {
		SignedJWT jwt = SignedJWT.parse(this.issuer.issue("+77771234567"));

		assertThat(jwt.serialize().split("\\.", -1)).hasSize(3).allSatisfy((part) -> assertThat(part).isNotEmpty());
		assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.HS256);
		assertThat(jwt.getHeader().getType()).isEqualTo(JOSEObjectType.JWT);
		assertThat(jwt.getHeader().toJSONObject()).containsOnlyKeys("alg", "typ");
	}

	@Test
	void signatureVerifiesWithTheUtf8BytesOfTheSecret() throws Exception {
		SignedJWT jwt = SignedJWT.parse(this.issuer.issue("+77771234567"));

		assertThat(jwt.verify(new MACVerifier(SECRET.getBytes(StandardCharsets.UTF_8)))).isTrue();
	}

	@Test
	void signatureFailsVerificationWithAnotherSecret() throws Exception {
		SignedJWT jwt = SignedJWT.parse(this.issuer.issue("+77771234567"));

		assertThat(jwt.verify(new MACVerifier("another-secret-that-is-also-32-bytes-long"))).isFalse();
	}

	@Test
	void carriesExactlyTheContractClaims() throws Exception {
		JWTClaimsSet claims = SignedJWT.parse(this.issuer.issue("+77771234567")).getJWTClaimsSet();

		assertThat(claims.getClaims()).containsOnlyKeys("iss", "sub", "iat", "exp", "jti", "amr");
		assertThat(claims.getIssuer()).isEqualTo("cvety-edge");
		assertThat(claims.getSubject()).isEqualTo("+77771234567");
		assertThat(claims.getStringListClaim("amr")).containsExactly("otp");
		assertThat(UUID.fromString(claims.getJWTID()).version()).isEqualTo(4);
	}

	@Test
	void issuedAtIsTheClockTruncatedToSecondsAndExpiryAddsTheTtl() throws Exception {
		JWTClaimsSet claims = SignedJWT.parse(this.issuer.issue("+77771234567")).getJWTClaimsSet();

		assertThat(claims.getIssueTime()).isEqualTo(Date.from(Instant.parse("2026-03-08T09:15:30Z")));
		assertThat(claims.getExpirationTime()).isEqualTo(Date.from(Instant.parse("2026-03-08T09:20:30Z")));
	}

	@Test
	void timesAreWrittenAsWholeEpochSeconds() {
		String payload = this.issuer.issue("+77771234567").split("\\.")[1];
		String json = new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8);

		assertThat(json).contains("\"iat\":" + NOW.getEpochSecond())
			.contains("\"exp\":" + (NOW.getEpochSecond() + 300))
			.doesNotContain(".789");
	}

	@Test
	void everyTokenHasItsOwnJwtId() throws Exception {
		String first = SignedJWT.parse(this.issuer.issue("+77771234567")).getJWTClaimsSet().getJWTID();
		String second = SignedJWT.parse(this.issuer.issue("+77771234567")).getJWTClaimsSet().getJWTID();

		assertThat(first).isNotEqualTo(second);
	}

	@Test
	void followsTheClockBetweenTokens() throws Exception {
		MutableClock clock = new MutableClock(NOW);
		VerificationTokenIssuer ticking = new VerificationTokenIssuer(SECRET, Duration.ofSeconds(90), clock);

		Date firstIssued = SignedJWT.parse(ticking.issue("+77771234567")).getJWTClaimsSet().getIssueTime();
		clock.instant = NOW.plusSeconds(60);
		JWTClaimsSet second = SignedJWT.parse(ticking.issue("+77771234567")).getJWTClaimsSet();

		assertThat(second.getIssueTime()).isEqualTo(new Date(firstIssued.getTime() + 60_000));
		assertThat(second.getExpirationTime()).isEqualTo(new Date(firstIssued.getTime() + 150_000));
	}

	@Test
	void refusesSecretShorterThan32BytesNamingTheKey() {
		String shortSecret = "a".repeat(VerificationTokenIssuer.MIN_SECRET_BYTES - 1);

		assertThatIllegalArgumentException()
			.isThrownBy(() -> new VerificationTokenIssuer(shortSecret, Duration.ofMinutes(5), Clock.systemUTC()))
			.withMessageContaining("cvety.otp.token-secret")
			.withMessageContaining("32")
			.withMessageNotContaining(shortSecret);
	}

	@ParameterizedTest
	@NullAndEmptySource
	void refusesMissingSecretNamingTheKey(String secret) {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new VerificationTokenIssuer(secret, Duration.ofMinutes(5), Clock.systemUTC()))
			.withMessageContaining("cvety.otp.token-secret");
	}

	@Test
	void countsSecretLengthInUtf8BytesNotCharacters() {
		String sixteenCyrillicLetters = "цветыкрасивыедля";
		assertThat(sixteenCyrillicLetters).hasSize(16);
		assertThat(sixteenCyrillicLetters.getBytes(StandardCharsets.UTF_8)).hasSize(32);

		VerificationTokenIssuer issuer = new VerificationTokenIssuer(sixteenCyrillicLetters, Duration.ofMinutes(5),
				Clock.systemUTC());

		assertThat(issuer.issue("+77771234567")).isNotBlank();
		assertThatIllegalArgumentException().isThrownBy(() -> new VerificationTokenIssuer("a".repeat(16),
				Duration.ofMinutes(5), Clock.systemUTC()));
	}

	@Test
	void refusesTtlShorterThanOneSecond() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new VerificationTokenIssuer(SECRET, Duration.ofMillis(999), Clock.systemUTC()));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new VerificationTokenIssuer(SECRET, Duration.ofMinutes(-5), Clock.systemUTC()));
	}

	@ParameterizedTest
	@NullAndEmptySource
	@ValueSource(strings = { "87771234567", "+7 777 123 45 67", "+0777123456", "+1234567890123456", "+7777123456\n" })
	void refusesSubjectThatIsNotE164(String phone) {
		assertThatIllegalArgumentException().isThrownBy(() -> this.issuer.issue(phone));
	}

	@Test
	void headerAndPayloadAreUnpaddedBase64Url() {
		List<String> parts = List.of(this.issuer.issue("+77771234567").split("\\."));

		assertThat(parts).allSatisfy((part) -> assertThat(part).matches("[A-Za-z0-9_-]+"));
	}

	/** A clock a test moves by hand. */
	private static final class MutableClock extends Clock {

		private Instant instant;

		MutableClock(Instant instant) {
			this.instant = instant;
		}

		@Override
		public Instant instant() {
			return this.instant;
		}

		@Override
		public ZoneOffset getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(ZoneId zone) {
			return this;
		}

	}

}
