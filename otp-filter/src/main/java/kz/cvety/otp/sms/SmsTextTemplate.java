package kz.cvety.otp.sms;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SMS text with {@value #CODE} and {@value #MINUTES} placeholders, checked once at construction so that a
 * bad {@value #PROPERTY} stops start-up instead of sending texts without a code.
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

	private static final Pattern PLACEHOLDER = Pattern.compile("\\{[A-Za-z_]+\\}");

	private static final Set<String> KNOWN = Set.of(CODE, MINUTES);

	private final String template;

	public SmsTextTemplate(String template) {
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
	}

	/** The default template. */
	public static SmsTextTemplate defaultTemplate() {
		return new SmsTextTemplate(DEFAULT);
	}

	/**
	 * Renders the text. Minutes are whole minutes rounded down, so the text never promises more time than
	 * the code has, and at least 1.
	 */
	public String render(String code, Duration ttl) {
		Objects.requireNonNull(code, "code");
		if (ttl == null || ttl.isNegative() || ttl.isZero()) {
			throw new IllegalArgumentException("ttl must be positive but was " + ttl);
		}
		long minutes = Math.max(1, ttl.toMinutes());
		return this.template.replace(MINUTES, Long.toString(minutes)).replace(CODE, code);
	}

	public String template() {
		return this.template;
	}

	@Override
	public String toString() {
		return this.template;
	}

}
