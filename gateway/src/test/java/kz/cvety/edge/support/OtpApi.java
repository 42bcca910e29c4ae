package kz.cvety.edge.support;

import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.test.web.reactive.server.WebTestClient.BodyContentSpec;
import org.springframework.test.web.reactive.server.WebTestClient.ResponseSpec;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The two OTP endpoints as a client calls them, and the checks every OTP test repeats: the RFC 9457 problem
 * shape and the verification token.
 */
public final class OtpApi {

	/** Public path of request-otp. */
	public static final String REQUEST_OTP = "/api/auth/request-otp";

	/** Public path of verify-otp. */
	public static final String VERIFY_OTP = "/api/auth/verify-otp";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final WebTestClient client;

	public OtpApi(GatewayInstance gateway) {
		this.client = gateway.client();
	}

	public WebTestClient client() {
		return this.client;
	}

	/** {@code POST /api/auth/request-otp} with {@code {"phone": phone}}. */
	public ResponseSpec requestOtp(String phone) {
		return post(REQUEST_OTP, json("phone", phone));
	}

	/** {@code POST /api/auth/verify-otp} with {@code {"phone": phone, "otp_code": code}}. */
	public ResponseSpec verifyOtp(String phone, String code) {
		return post(VERIFY_OTP, json("phone", phone, "otp_code", code));
	}

	/** POSTs {@code body} as application/json, exactly as given. */
	public ResponseSpec post(String path, String body) {
		return this.client.post().uri(path).contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
	}

	/** A JSON object of the given name/value pairs, in order. */
	public static String json(Object... namesAndValues) {
		Map<String, Object> object = new LinkedHashMap<>();
		for (int i = 0; i < namesAndValues.length; i += 2) {
			object.put((String) namesAndValues[i], namesAndValues[i + 1]);
		}
		return JSON.writeValueAsString(object);
	}

	/**
	 * Expects an RFC 9457 problem with the given status and {@code code}, and every member the contract
	 * names.
	 */
	public static BodyContentSpec expectProblem(ResponseSpec response, int status, String code) {
		return response.expectStatus().isEqualTo(status)
			.expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.type").isEqualTo("urn:cvety:problem:" + code)
			.jsonPath("$.title").isNotEmpty()
			.jsonPath("$.status").isEqualTo(status)
			.jsonPath("$.detail").isNotEmpty()
			.jsonPath("$.code").isEqualTo(code);
	}

	/** A code of the same length that is not {@code code}. */
	public static String otherCode(String code) {
		StringBuilder other = new StringBuilder(code);
		other.setCharAt(0, (char) ('0' + ((code.charAt(0) - '0' + 1) % 10)));
		return other.toString();
	}

	/**
	 * Checks {@code token} as the backend must: an HS256 JWT signed with {@link GatewayInstance#TOKEN_SECRET}
	 * for {@code phone}, issued just now, valid five minutes, with a {@code jti} and {@code amr=["otp"]}.
	 * @return its claims
	 */
	public static JWTClaimsSet checkToken(String token, String phone) {
		try {
			SignedJWT jwt = SignedJWT.parse(token);
			assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.HS256);
			assertThat(jwt.verify(new MACVerifier(GatewayInstance.TOKEN_SECRET.getBytes(StandardCharsets.UTF_8))))
				.as("signature under the token secret")
				.isTrue();
			JWTClaimsSet claims = jwt.getJWTClaimsSet();
			assertThat(claims.getSubject()).isEqualTo(phone);
			Instant issuedAt = claims.getIssueTime().toInstant();
			assertThat(issuedAt).isBetween(Instant.now().minusSeconds(30), Instant.now().plusSeconds(5));
			assertThat(claims.getExpirationTime().toInstant()).isEqualTo(issuedAt.plusSeconds(300));
			assertThat(claims.getJWTID()).isNotBlank();
			assertThat(claims.getStringListClaim("amr")).containsExactly("otp");
			return claims;
		}
		catch (ParseException | JOSEException ex) {
			throw new AssertionError("not a valid verification token: " + token, ex);
		}
	}

}
