package kz.cvety.otp.web;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;
import kz.cvety.otp.problem.RetryAfter;

import static org.assertj.core.api.Assertions.assertThat;

class ProblemWriterTest {

	@Test
	void retryAfterRoundsUpToWholeSecondsAndIsAtLeastOne() {
		assertThat(RetryAfter.seconds(Duration.ofMillis(5_001))).isEqualTo(6);
		assertThat(RetryAfter.seconds(Duration.ofSeconds(6))).isEqualTo(6);
		assertThat(RetryAfter.seconds(Duration.ofMillis(1))).isEqualTo(1);
		assertThat(RetryAfter.seconds(Duration.ZERO)).isEqualTo(1);
		assertThat(RetryAfter.seconds(Duration.ofSeconds(-3))).isEqualTo(1);
		assertThat(RetryAfter.seconds(null)).isEqualTo(1);
	}

	@Test
	void bodyHasTheRfc9457MembersTheCodeAndExtras() {
		ProblemException problem = ProblemException.of(ProblemCode.RATE_LIMITED, "Too many.")
			.extra("limit", "send-per-phone")
			.build();
		Map<String, Object> body = ProblemWriter.body(problem, "/api/auth/request-otp");
		assertThat(body).containsEntry("type", "urn:cvety:problem:rate_limited")
			.containsEntry("title", "Rate limit reached")
			.containsEntry("status", 429)
			.containsEntry("detail", "Too many.")
			.containsEntry("instance", "/api/auth/request-otp")
			.containsEntry("code", "rate_limited")
			.containsEntry("limit", "send-per-phone");
	}

	@Test
	void backendTimeoutSharesTheBackendCodeWithItsOwnStatus() {
		assertThat(ProblemCode.BACKEND_TIMEOUT.code()).isEqualTo(ProblemCode.BACKEND_UNAVAILABLE.code());
		assertThat(ProblemCode.BACKEND_TIMEOUT.status().value()).isEqualTo(504);
	}

	@Test
	void problemsCarryNoStackTrace() {
		assertThat(ProblemException.of(ProblemCode.OTP_INVALID, "x").build().getStackTrace()).isEmpty();
	}

}
