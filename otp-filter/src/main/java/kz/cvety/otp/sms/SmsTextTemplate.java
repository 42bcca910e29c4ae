package kz.cvety.otp.sms;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * The SMS text with {@value #CODE} and {@value #MINUTES} placeholders, plus the optional auto-fill lines: the
 * Android SMS Retriever app hash and the WebOTP line. Checked once at construction, so a bad value stops start-up.
 *
 * @see <a href="https://wicg.github.io/sms-one-time-codes/">Origin-bound one-time codes delivered via SMS</a>
 * @see <a href="https://developers.google.com/identity/sms-retriever/verify">SMS Retriever: the verification message</a>
 */
public final class SmsTextTemplate {

	/** The configuration key that holds the template. */
	public static final String PROPERTY = "cvety.otp.sms.text";

	/** Placeholder for the one-time code; every template must contain it. */
	public static final String CODE = "{code}";

	/** Placeholder for the code's lifetime in whole minutes. */
	public static final String MINUTES = "{minutes}";

	/** The text sent when none is configured. */
	public static final String DEFAULT = "Cvety.kz: your login code is {code}. It is valid for {minutes} min. "
			+ "Do not share it.";

	/** The configuration key of the host named in the WebOTP line. */
	public static final String ORIGIN_PROPERTY = "cvety.otp.sms.origin";

	/** The configuration key of the Android app hash. */
	public static final String APP_HASH_PROPERTY = "cvety.otp.sms.android-app-hash";

	/**
	 * A lower-case ASCII host name: dot-separated labels of letters, digits and inner hyphens, at most 253
	 * characters, the last label starting with a letter (so no IP address). An IDN goes in its {@code xn--} form.
	 */
	public static final String HOST_NAME = "(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)*"
			+ "[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?";

	/** An Android app hash: 11 characters of the base64 alphabet. */
	public static final String APP_HASH = "[A-Za-z0-9+/]{11}";

	/** Why an origin was refused. */
	public static final String ORIGIN_RULE = "must be a lower-case ASCII host name such as cvety.kz, without scheme, "
			+ "port or path (an IDN in its xn-- form)";

	/** Why an app hash was refused. */
	public static final String APP_HASH_RULE = "must be the 11-character app hash of the SMS Retriever API "
			+ "(letters, digits, + and /)";

	private static final Pattern PLACEHOLDER = Pattern.compile("\\{[A-Za-z_]+\\}");

	private static final Set<String> KNOWN = Set.of(CODE, MINUTES);

	private static final Pattern HOST = Pattern.compile(HOST_NAME);

	private static final Pattern HASH = Pattern.compile(APP_HASH);

	private final String template;

	private final @Nullable String origin;

	private final @Nullable String androidAppHash;

	/** A template without auto-fill lines. */
	public SmsTextTemplate(String template) {
		this(template, null, null);
	}

	/**
	 * @param origin host for the WebOTP line {@code @origin #code}; null or empty for none
	 * @param androidAppHash the SMS Retriever hash line; null or empty for none
	 */
	public SmsTextTemplate(String template, @Nullable String origin, @Nullable String androidAppHash) {
		if (template == null || template.isBlank()) {
			throw new IllegalArgumentException(PROPERTY + " must not be empty; it must contain " + CODE);
		}
		if (!template.contains(CODE)) {
			throw new IllegalArgumentException(PROPERTY + " must contain " + CODE + " but was: " + template);
		}
		Matcher matcher = PLACEHOLDER.matcher(template);
		while (matcher.find()) {
			if (!KNOWN.contains(matcher.group())) {
				throw new IllegalArgumentException(PROPERTY + " has unknown placeholder " + matcher.group()
						+ "; only " + CODE + " and " + MINUTES + " are supported");
			}
		}
		this.template = template;
		this.origin = checked(origin, HOST, ORIGIN_PROPERTY, ORIGIN_RULE);
		this.androidAppHash = checked(androidAppHash, HASH, APP_HASH_PROPERTY, APP_HASH_RULE);
	}

	private static @Nullable String checked(@Nullable String value, Pattern pattern, String key, String rule) {
		if (value == null || value.isEmpty()) {
			return null;
		}
		if (!pattern.matcher(value).matches()) {
			throw new IllegalArgumentException(key + " " + rule + " but was: " + value);
		}
		return value;
	}

	/** The default template. */
	public static SmsTextTemplate defaultTemplate() {
		return new SmsTextTemplate(DEFAULT);
	}

	/**
	 * Renders the text and its auto-fill lines. Minutes are whole minutes rounded down, so the text never promises
	 * more time than the code has, and at least 1.
	 */
	public String render(String code, Duration ttl) {
		Objects.requireNonNull(code, "code");
		if (ttl == null || ttl.isNegative() || ttl.isZero()) {
			throw new IllegalArgumentException("ttl must be positive but was " + ttl);
		}
		long minutes = Math.max(1, ttl.toMinutes());
		StringBuilder text = new StringBuilder(
				this.template.replace(MINUTES, Long.toString(minutes)).replace(CODE, code));
		// WebOTP (and Safari's domain-bound codes) read only the last line, so "@host #code" must end the message;
		// the SMS Retriever API asks only that the message include its hash, so the hash takes the line before.
		if (this.androidAppHash != null) {
			text.append('\n').append(this.androidAppHash);
		}
		if (this.origin != null) {
			text.append('\n').append('@').append(this.origin).append(" #").append(code);
		}
		return text.toString();
	}

	public String template() {
		return this.template;
	}

	/** The host of the WebOTP line, or null when there is none. */
	public @Nullable String origin() {
		return this.origin;
	}

	/** The Android app hash line, or null when there is none. */
	public @Nullable String androidAppHash() {
		return this.androidAppHash;
	}

	@Override
	public String toString() {
		return this.template;
	}

}
