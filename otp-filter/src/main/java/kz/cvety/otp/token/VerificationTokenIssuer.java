package kz.cvety.otp.token;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/** Issues the HS256 JWT (RFC 7519) the backend trusts after a successful OTP check, {@code amr} per RFC 8176. */
public final class VerificationTokenIssuer {

	/** Fewest UTF-8 bytes of secret accepted: RFC 7518 wants an HS256 key at least as long as the hash. */
	public static final int MIN_SECRET_BYTES = 32;

	/** The {@code iss} claim of every token. */
	public static final String ISSUER = "cvety-edge";

	/** The {@code amr} claim value: authenticated with a one-time password (RFC 8176). */
	public static final String AMR_OTP = "otp";

	private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{6,14}");

	private static final JWSHeader HEADER = new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT)
		.build();

	private final JWSSigner signer;

	private final long ttlSeconds;

	private final Clock clock;

	/**
	 * @param secret the shared secret ({@code cvety.otp.token-secret}); its UTF-8 bytes are the HMAC key
	 * @param ttl how long a token is valid, whole seconds
	 * @param clock the source of {@code iat}
	 * @throws IllegalArgumentException if the secret is shorter than {@value #MIN_SECRET_BYTES} UTF-8 bytes or
	 * the ttl is shorter than one second
	 */
	public VerificationTokenIssuer(String secret, Duration ttl, Clock clock) {
		if (secret == null) {
			throw new IllegalArgumentException("cvety.otp.token-secret must be set");
		}
		byte[] key = secret.getBytes(StandardCharsets.UTF_8);
		if (key.length < MIN_SECRET_BYTES) {
			throw new IllegalArgumentException("cvety.otp.token-secret must be at least " + MIN_SECRET_BYTES
					+ " bytes (UTF-8) long, but is " + key.length);
		}
		if (ttl == null || ttl.getSeconds() < 1) {
			throw new IllegalArgumentException("Verification token ttl must be at least 1s, but is " + ttl);
		}
		this.signer = macSigner(key);
		this.ttlSeconds = ttl.getSeconds();
		this.clock = Objects.requireNonNull(clock, "clock");
	}

	/**
	 * Returns a signed compact JWT vouching that the owner of the phone just proved control of it.
	 * @param e164Phone the verified phone in E.164 form, such as {@code +77771234567}
	 * @throws IllegalArgumentException if the phone is not in E.164 form
	 */
	public String issue(String e164Phone) {
		if (e164Phone == null || !E164.matcher(e164Phone).matches()) {
			throw new IllegalArgumentException("Verification token subject must be an E.164 phone number");
		}
		long issuedAt = this.clock.instant().getEpochSecond();
		JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER)
			.subject(e164Phone)
			.issueTime(new Date(issuedAt * 1000))
			.expirationTime(new Date((issuedAt + this.ttlSeconds) * 1000))
			.jwtID(UUID.randomUUID().toString())
			.claim("amr", List.of(AMR_OTP))
			.build();
		SignedJWT jwt = new SignedJWT(HEADER, claims);
		try {
			jwt.sign(this.signer);
		}
		catch (JOSEException ex) {
			throw new IllegalStateException("Could not sign verification token", ex);
		}
		return jwt.serialize();
	}

	private static JWSSigner macSigner(byte[] key) {
		try {
			return new MACSigner(key);
		}
		catch (JOSEException ex) {
			throw new IllegalArgumentException("cvety.otp.token-secret is not a usable HS256 key", ex);
		}
	}

}
