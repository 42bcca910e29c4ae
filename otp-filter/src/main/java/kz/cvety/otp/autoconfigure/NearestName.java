package kz.cvety.otp.autoconfigure;

import java.util.Collection;

import org.jspecify.annotations.Nullable;

/**
 * The known name a mistyped one probably meant, by Levenshtein edit distance.
 */
final class NearestName {

	private NearestName() {
	}

	/** The candidate nearest to {@code name}, or null when none is within a fifth of its length (at least 2). */
	static @Nullable String closest(String name, Collection<String> candidates) {
		String best = null;
		int bestDistance = Integer.MAX_VALUE;
		for (String candidate : candidates) {
			int distance = distance(name, candidate);
			if (distance < bestDistance) {
				best = candidate;
				bestDistance = distance;
			}
		}
		return (best != null && bestDistance <= Math.max(2, name.length() / 5)) ? best : null;
	}

	/** Small enough to write here rather than add a text library for it. */
	private static int distance(String a, String b) {
		int[] previous = new int[b.length() + 1];
		int[] current = new int[b.length() + 1];
		for (int j = 0; j <= b.length(); j++) {
			previous[j] = j;
		}
		for (int i = 1; i <= a.length(); i++) {
			current[0] = i;
			for (int j = 1; j <= b.length(); j++) {
				int substitution = previous[j - 1] + ((a.charAt(i - 1) == b.charAt(j - 1)) ? 0 : 1);
				current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
			}
			int[] swap = previous;
			previous = current;
			current = swap;
		}
		return previous[b.length()];
	}

}
