package kz.cvety.otp.store;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.github.benmanes.caffeine.cache.Cache;

import kz.cvety.otp.support.LocalCaches;

/**
 * HMAC-SHA256 under the server's hash secret, for the two things that must never sit in Redis in the clear:
 * codes (bound to their phone, so a code for A never verifies B) and the phone or IP inside a key. The two
 * uses are domain-separated.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc2104">RFC 2104: HMAC</a>
 */
public final class OtpHasher {

	/** Shortest accepted secret, in UTF-8 bytes (the HMAC-SHA256 block security level). */
	public static final int MIN_SECRET_BYTES = 32;

	private static final String ALGORITHM = "HmacSHA256";

	private static final HexFormat HEX = HexFormat.of();

	/** Bytes of the key tag kept in key names: 96 bits, ample against collisions. */
	private static final int TAG_BYTES = 12;

	private final SecretKeySpec key;

	// Mac is not thread-safe and costly to look up; each event-loop thread keeps its own.
	private final ThreadLocal<Mac> macs;

	// Every request needs the tags of its phone and IP; a bot repeats the same few, so they are worth keeping.
	private final Cache<String, String> tags = LocalCaches.newBuilder().maximumSize(50_000).build();

	public OtpHasher(String secret) {
		byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
		if (bytes.length < MIN_SECRET_BYTES) {
			throw new IllegalArgumentException(
					"cvety.otp.hash-secret must be at least " + MIN_SECRET_BYTES + " bytes, was " + bytes.length);
		}
		this.key = new SecretKeySpec(bytes, ALGORITHM);
		this.macs = ThreadLocal.withInitial(this::newMac);
	}

	/** The stored form of {@code code} for {@code phone}: 64 hex digits. */
	public String codeHash(String phone, String code) {
		return HEX.formatHex(mac("code\0" + phone + "\0" + code));
	}

	/** A short keyed tag standing for {@code value} (a phone or an IP) inside Redis key names. */
	public String keyTag(String value) {
		return this.tags.get(value, key -> HEX.formatHex(mac("key\0" + key), 0, TAG_BYTES));
	}

	/** Constant-time comparison of two hashes. */
	public static boolean sameHash(String a, String b) {
		return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
	}

	private byte[] mac(String input) {
		Mac mac = this.macs.get();
		return mac.doFinal(input.getBytes(StandardCharsets.UTF_8));
	}

	private Mac newMac() {
		try {
			Mac mac = Mac.getInstance(ALGORITHM);
			mac.init(this.key);
			return mac;
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("HmacSHA256 is not available", ex);
		}
	}

}
