package kz.cvety.otp.store;

/**
 * Builds every Redis key of the OTP feature, in one place. A phone's keys share one {hash tag}, so they land on
 * one Redis Cluster slot and one script may touch them all; no script spans two phones. The tag is a keyed
 * hash of the phone (or IP, or number range), never the value itself, so a Redis dump reveals no phone numbers.
 */
public final class OtpKeys {

	private final String prefix;

	private final OtpHasher hasher;

	private final String sendGlobal;

	public OtpKeys(String prefix, OtpHasher hasher) {
		this.prefix = prefix;
		this.hasher = hasher;
		this.sendGlobal = prefix + "global:{sms}:send";
	}

	/** The phone's live code: {@code cvety:otp:{tag}:code}. */
	public String code(String phone) {
		return phoneKey(phone, "code");
	}

	/** The phone's send-limit bucket. */
	public String sendPerPhone(String phone) {
		return phoneKey(phone, "send");
	}

	/** The phone's failed-verification bucket. */
	public String verifyFailuresPerPhone(String phone) {
		return phoneKey(phone, "verify-failures");
	}

	/** The client IP's send-limit bucket. */
	public String sendPerIp(String ip) {
		return ipKey(ip, "send");
	}

	/** The client IP's failed-verification bucket, across phones; same slot as its send bucket. */
	public String verifyFailuresPerIp(String ip) {
		return ipKey(ip, "verify-failures");
	}

	/** The number range's send-limit bucket: {@code cvety:prefix:{tag}:send}, each range on its own slot. */
	public String sendPerPrefix(String range) {
		return this.prefix + "prefix:{" + this.hasher.keyTag(range) + "}:send";
	}

	/**
	 * A pumping-guard scope's counts and block: {@code cvety:pump:range:{tag}}, the tag a keyed hash of the scope
	 * (a number range or a region), each scope on its own slot.
	 */
	public String pumping(String scope, String value) {
		return this.prefix + "pump:" + scope + ":{" + this.hasher.keyTag(scope + ":" + value) + "}";
	}

	/** The fleet-wide SMS budget bucket. */
	public String sendGlobal() {
		return this.sendGlobal;
	}

	/** A bucket of a generic limit on a proxied route, keyed by IP or header value. */
	public String generic(String limitName, String key) {
		return this.prefix + "rl:" + limitName + ":{" + this.hasher.keyTag(key) + "}";
	}

	private String ipKey(String ip, String suffix) {
		return this.prefix + "ip:{" + this.hasher.keyTag(ip) + "}:" + suffix;
	}

	private String phoneKey(String phone, String suffix) {
		return this.prefix + "otp:{" + this.hasher.keyTag(phone) + "}:" + suffix;
	}

}
