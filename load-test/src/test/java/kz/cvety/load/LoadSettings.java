package kz.cvety.load;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Settings of a simulation run, read from system properties ({@code -Dname=value} on the Maven command line),
 * each with a default that suits a modest run against a gateway on this machine.
 */
final class LoadSettings {

	private LoadSettings() {
	}

	/** The gateway under test, {@code -DbaseUrl}. */
	static String baseUrl() {
		return text("baseUrl", "http://localhost:8080").replaceAll("/+$", "");
	}

	static String text(String name, String fallback) {
		String value = System.getProperty(name);
		return (value == null || value.isBlank()) ? fallback : value.trim();
	}

	static int integer(String name, int fallback) {
		return Integer.parseInt(text(name, Integer.toString(fallback)));
	}

	static double decimal(String name, double fallback) {
		return Double.parseDouble(text(name, Double.toString(fallback)));
	}

	static boolean flag(String name, boolean fallback) {
		return Boolean.parseBoolean(text(name, Boolean.toString(fallback)));
	}

	/** A duration such as {@code 60s}, {@code 2m} or {@code 500ms}. */
	static Duration duration(String name, String fallback) {
		return parseDuration(text(name, fallback));
	}

	/** A list of gateway limits such as {@code 10/1m,100/1h}, as the gateway's configuration writes them. */
	static List<Limit> limits(String name, String fallback) {
		return Arrays.stream(text(name, fallback).replace("[", "").replace("]", "").split(","))
			.map(String::trim)
			.filter(s -> !s.isEmpty())
			.map(Limit::parse)
			.toList();
	}

	/** A duration as these settings write it: {@code 60s}, {@code 500ms}. */
	static String show(Duration duration) {
		return (duration.toMillis() % 1000 == 0) ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
	}

	static Duration parseDuration(String text) {
		String value = text.trim().toLowerCase(Locale.ROOT);
		int split = 0;
		while (split < value.length() && Character.isDigit(value.charAt(split))) {
			split++;
		}
		long amount = Long.parseLong(value.substring(0, split));
		return switch (value.substring(split)) {
			case "ms" -> Duration.ofMillis(amount);
			case "s", "" -> Duration.ofSeconds(amount);
			case "m" -> Duration.ofMinutes(amount);
			case "h" -> Duration.ofHours(amount);
			case "d" -> Duration.ofDays(amount);
			default -> throw new IllegalArgumentException("Not a duration: " + text);
		};
	}

	/**
	 * A token-bucket limit of {@code count} per {@code period}, as configured on the gateway.
	 *
	 * @param count tokens per period (also the bucket's capacity)
	 * @param period the refill period
	 */
	record Limit(long count, Duration period) {

		static Limit parse(String text) {
			String[] parts = text.split("/");
			if (parts.length != 2) {
				throw new IllegalArgumentException("A limit is COUNT/DURATION, was " + text);
			}
			return new Limit(Long.parseLong(parts[0].trim()), parseDuration(parts[1]));
		}

		/**
		 * The most tokens a full bucket can hand out within {@code elapsed}: its capacity plus what refills
		 * meanwhile. Holds for greedy and interval refill alike.
		 */
		long mostWithin(Duration elapsed) {
			return this.count + (long) Math.floor((double) this.count * elapsed.toMillis() / this.period.toMillis());
		}

		/** The tightest bound a list of limits (all must pass) puts on one key within {@code elapsed}. */
		static long mostWithin(List<Limit> limits, Duration elapsed) {
			return limits.stream().mapToLong(limit -> limit.mostWithin(elapsed)).min().orElse(Long.MAX_VALUE);
		}

		@Override
		public String toString() {
			return this.count + "/" + this.period.toString().substring(2).toLowerCase(Locale.ROOT);
		}

	}

}
