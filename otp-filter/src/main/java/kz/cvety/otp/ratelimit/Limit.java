package kz.cvety.otp.ratelimit;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One rate limit, {@code COUNT/DURATION}: {@code 10/1m} admits 10 per minute. Units: {@code ms}, {@code s},
 * {@code m}, {@code h}, {@code d}. Spring binds configuration strings through {@link #valueOf(String)}.
 */
public record Limit(long count, Duration period) {

	private static final Pattern SYNTAX = Pattern.compile("\\s*(\\d{1,9})\\s*/\\s*(\\d{1,9})\\s*(ms|s|m|h|d)\\s*");

	public Limit {
		if (count < 1) {
			throw new IllegalArgumentException("limit count must be at least 1, was " + count);
		}
		if (period == null || period.isNegative() || period.isZero()) {
			throw new IllegalArgumentException("limit period must be positive, was " + period);
		}
	}

	/** Parses {@code COUNT/DURATION}, e.g. {@code 10/1m}, {@code 30/1h}, {@code 1000/1d}. */
	public static Limit valueOf(String text) {
		Matcher matcher = SYNTAX.matcher((text != null) ? text.toLowerCase(Locale.ROOT) : "");
		if (!matcher.matches()) {
			throw new IllegalArgumentException(
					"'" + text + "' is not a limit; write COUNT/DURATION such as 10/1m, 30/1h or 1000/1d");
		}
		long count = Long.parseLong(matcher.group(1));
		long amount = Long.parseLong(matcher.group(2));
		Duration period = switch (matcher.group(3)) {
			case "ms" -> Duration.ofMillis(amount);
			case "s" -> Duration.ofSeconds(amount);
			case "m" -> Duration.ofMinutes(amount);
			case "h" -> Duration.ofHours(amount);
			default -> Duration.ofDays(amount);
		};
		return new Limit(count, period);
	}

	@Override
	public String toString() {
		return this.count + "/" + format(this.period);
	}

	private static String format(Duration period) {
		long millis = period.toMillis();
		if (millis % Duration.ofDays(1).toMillis() == 0) {
			return (millis / Duration.ofDays(1).toMillis()) + "d";
		}
		if (millis % Duration.ofHours(1).toMillis() == 0) {
			return (millis / Duration.ofHours(1).toMillis()) + "h";
		}
		if (millis % Duration.ofMinutes(1).toMillis() == 0) {
			return (millis / Duration.ofMinutes(1).toMillis()) + "m";
		}
		if (millis % 1000 == 0) {
			return (millis / 1000) + "s";
		}
		return millis + "ms";
	}

}
