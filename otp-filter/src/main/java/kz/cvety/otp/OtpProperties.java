package kz.cvety.otp;

import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The OTP flow: code shape and lifetime, attempt cap, phone rules, secrets and the backend hand-off.
 * Limits, SMS and Redis settings have their own classes under the same prefix.
 */
@ConfigurationProperties(OtpProperties.PREFIX)
@Validated
public class OtpProperties {

	/** Property prefix. */
	public static final String PREFIX = "cvety.otp";

	/** Digits in a code. */
	@Min(4)
	@Max(10)
	private int codeLength = 6;

	/** How long a code stays valid; Redis expires it. */
	@NotNull
	private Duration ttl = Duration.ofMinutes(5);

	/** Verification attempts per issued code; after that the code is dead. */
	@Min(1)
	@Max(20)
	private int maxAttempts = 3;

	/** Shortest time between two codes for one phone; 0 turns the cooldown off. */
	@NotNull
	private Duration resendCooldown = Duration.ZERO;

	/** Region for numbers written without a country code (ISO 3166 alpha-2). */
	@NotNull
	private String defaultRegion = "KZ";

	/** Regions whose numbers may receive codes. */
	@NotEmpty
	private Set<String> allowedRegions = new LinkedHashSet<>(Set.of("KZ"));

	/** Number types that may receive codes; premium-rate, toll-free and VoIP ranges are refused. */
	@NotEmpty
	private Set<PhoneNumberType> allowedTypes = EnumSet.of(PhoneNumberType.MOBILE,
			PhoneNumberType.FIXED_LINE_OR_MOBILE);

	/** Server secret keying the HMAC-SHA256 of stored codes and of phone numbers in Redis keys (32+ bytes). */
	private @Nullable String hashSecret;

	/** Secret signing the HS256 verification token the backend trusts (32+ bytes of UTF-8). */
	private @Nullable String tokenSecret;

	/** Lifetime of a verification token. */
	@NotNull
	private Duration tokenTtl = Duration.ofMinutes(5);

	/** Largest request body the OTP routes accept; larger bodies get 413 before they are buffered. */
	@NotNull
	private DataSize maxBodySize = DataSize.ofKilobytes(4);

	/** Proxies in front of the gateway whose X-Forwarded-For entries are trusted; 0 trusts none. */
	@Min(0)
	@Max(10)
	private int trustedProxyHops;

	/** Leading bits of an IPv6 client address that share one per-IP bucket; IPv4 clients key on the address. */
	@Min(value = 1, message = "must be an IPv6 prefix length from 1 to 128")
	@Max(value = 128, message = "must be an IPv6 prefix length from 1 to 128")
	private int ipv6PrefixLength = 64;

	/** Numbers that get a fixed code and never an SMS (store reviewers, monitoring); E.164 to code. */
	private Map<String, String> testNumbers = new LinkedHashMap<>();

	/** Whether test numbers are allowed with strict start-up checks (prod). */
	private boolean allowTestNumbers;

	/** Hand-off of successful verifications to the backend. */
	@Valid
	private final Handoff handoff = new Handoff();

	public int getCodeLength() {
		return this.codeLength;
	}

	public void setCodeLength(int codeLength) {
		this.codeLength = codeLength;
	}

	public Duration getTtl() {
		return this.ttl;
	}

	public void setTtl(Duration ttl) {
		this.ttl = ttl;
	}

	public int getMaxAttempts() {
		return this.maxAttempts;
	}

	public void setMaxAttempts(int maxAttempts) {
		this.maxAttempts = maxAttempts;
	}

	public Duration getResendCooldown() {
		return this.resendCooldown;
	}

	public void setResendCooldown(Duration resendCooldown) {
		this.resendCooldown = resendCooldown;
	}

	public String getDefaultRegion() {
		return this.defaultRegion;
	}

	public void setDefaultRegion(String defaultRegion) {
		this.defaultRegion = defaultRegion;
	}

	public Set<String> getAllowedRegions() {
		return this.allowedRegions;
	}

	public void setAllowedRegions(Set<String> allowedRegions) {
		this.allowedRegions = allowedRegions;
	}

	public Set<PhoneNumberType> getAllowedTypes() {
		return this.allowedTypes;
	}

	public void setAllowedTypes(Set<PhoneNumberType> allowedTypes) {
		this.allowedTypes = allowedTypes;
	}

	public @Nullable String getHashSecret() {
		return this.hashSecret;
	}

	public void setHashSecret(@Nullable String hashSecret) {
		this.hashSecret = hashSecret;
	}

	public @Nullable String getTokenSecret() {
		return this.tokenSecret;
	}

	public void setTokenSecret(@Nullable String tokenSecret) {
		this.tokenSecret = tokenSecret;
	}

	public Duration getTokenTtl() {
		return this.tokenTtl;
	}

	public void setTokenTtl(Duration tokenTtl) {
		this.tokenTtl = tokenTtl;
	}

	public DataSize getMaxBodySize() {
		return this.maxBodySize;
	}

	public void setMaxBodySize(DataSize maxBodySize) {
		this.maxBodySize = maxBodySize;
	}

	public int getTrustedProxyHops() {
		return this.trustedProxyHops;
	}

	public void setTrustedProxyHops(int trustedProxyHops) {
		this.trustedProxyHops = trustedProxyHops;
	}

	public int getIpv6PrefixLength() {
		return this.ipv6PrefixLength;
	}

	public void setIpv6PrefixLength(int ipv6PrefixLength) {
		this.ipv6PrefixLength = ipv6PrefixLength;
	}

	public Map<String, String> getTestNumbers() {
		return this.testNumbers;
	}

	public void setTestNumbers(Map<String, String> testNumbers) {
		this.testNumbers = testNumbers;
	}

	public boolean isAllowTestNumbers() {
		return this.allowTestNumbers;
	}

	public void setAllowTestNumbers(boolean allowTestNumbers) {
		this.allowTestNumbers = allowTestNumbers;
	}

	public Handoff getHandoff() {
		return this.handoff;
	}

	/** Hand-off settings. */
	public static class Handoff {

		/** Forward successful verify requests to the backend with the token in X-Otp-Verification. */
		private boolean enabled;

		/** The backend a verified request is handed to; its verify-otp path is appended. */
		private @Nullable URI url;

		/** Name of the Spring Cloud circuit breaker (and time limiter) the hand-off runs in. */
		private String circuitBreaker = "backend";

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public @Nullable URI getUrl() {
			return this.url;
		}

		public void setUrl(@Nullable URI url) {
			this.url = url;
		}

		public String getCircuitBreaker() {
			return this.circuitBreaker;
		}

		public void setCircuitBreaker(String circuitBreaker) {
			this.circuitBreaker = circuitBreaker;
		}

	}

}
