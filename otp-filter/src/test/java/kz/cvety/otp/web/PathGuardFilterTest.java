package kz.cvety.otp.web;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.http.HttpMethod;

import static org.assertj.core.api.Assertions.assertThat;

class PathGuardFilterTest {

	// Every character the pattern looks for, a control character, and ordinary path characters.
	private static final char[] ALPHABET = { '/', '.', ';', '\\', '%', '2', 'f', 'E', 'c', '0', '\u0001', '\u007f', 'a' };

	@Test
	void theQuickScanNeverClearsAPathThePatternWouldRefuse() {
		List<String> paths = new ArrayList<>(List.of(""));
		int refused = 0;
		int cleared = 0;
		for (int length = 1; length <= 5; length++) {
			List<String> longer = new ArrayList<>();
			for (String path : paths) {
				for (char c : ALPHABET) {
					longer.add(path + c);
				}
			}
			paths = longer;
			for (String path : paths) {
				boolean patternRefuses = PathGuardFilter.matchesNotCanonical(path);
				if (PathGuardFilter.surelyCanonical(path)) {
					assertThat(patternRefuses).as("pattern on %s", path.chars().boxed().toList()).isFalse();
					cleared++;
				}
				if (patternRefuses) {
					refused++;
				}
			}
		}
		// Both kinds were tried in numbers: 13^5 paths of length 5 alone.
		assertThat(refused).isGreaterThan(100_000);
		assertThat(cleared).isGreaterThan(10_000);
	}

	@Test
	void ordinaryPathsAreClearedWithoutThePattern() {
		assertThat(PathGuardFilter.surelyCanonical("/api/auth/request-otp")).isTrue();
		assertThat(PathGuardFilter.surelyCanonical("/api/orders/42/items.json")).isTrue();
		assertThat(PathGuardFilter.surelyCanonical("/")).isTrue();
	}

	@Test
	void everyTriggerSendsThePathToThePattern() {
		for (String path : List.of("//api", "/api/./x", "/api/..", "/api;x", "/api\\x", "/api%2f", "/a\u0000",
				"/a\u007f", "/.")) {
			assertThat(PathGuardFilter.surelyCanonical(path)).as(path).isFalse();
			assertThat(PathGuardFilter.matchesNotCanonical(path)).as(path).isTrue();
		}
		// Sent to the pattern, and cleared by it: a dot that starts a file name is not a dot segment.
		assertThat(PathGuardFilter.surelyCanonical("/.well-known/x")).isFalse();
		assertThat(PathGuardFilter.matchesNotCanonical("/.well-known/x")).isFalse();
	}


	@Test
	void onlyPathsAndPlainAbsoluteUrisAreRequestTargets() {
		for (String target : List.of("/api/auth/verify-otp", "/", "/api/orders?x=1", "http://localhost/api/auth/verify-otp",
				"HTTPS://edge.cvety.kz:8443/api/orders")) {
			assertThat(PathGuardFilter.isWellFormedTarget(target, HttpMethod.POST)).as(target).isTrue();
		}
		for (String target : List.of("%5C./api/auth/verify-otp", "%5c/api/auth/verify-otp", "x/api/auth/verify-otp",
				"api/auth/verify-otp", "", "*", "http://localhost%5C./api/auth/verify-otp", "http://user@localhost/api",
				"http:/api/auth/verify-otp", "ftp://localhost/api/auth/verify-otp", "http://[::1/api", "\\api\\auth")) {
			assertThat(PathGuardFilter.isWellFormedTarget(target, HttpMethod.POST)).as(target).isFalse();
		}
		assertThat(PathGuardFilter.isWellFormedTarget("*", HttpMethod.OPTIONS)).isTrue();
	}

}
