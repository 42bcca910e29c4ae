package kz.cvety.edge;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmark's report program ({@code load-test/bench/BenchReport.java}), launched as bench.sh launches it, on
 * the recorded measurements under {@code load-test/bench/report-fixture/}: one round, two rounds with JFR on, and
 * three rounds with a row left out and rows that answered what they were not designed to.
 */
class BenchReportTest {

	private static final Path PROGRAM = Path.of("..", "load-test", "bench", "BenchReport.java");

	private static final Path FIXTURES = Path.of("..", "load-test", "bench", "report-fixture");

	private static final Map<String, String> reports = new ConcurrentHashMap<>();

	@ParameterizedTest
	@ValueSource(strings = { "one-round", "two-rounds", "three-rounds" })
	void reportIsTheExpectedSummary(String run) throws IOException {
		assertThat(report(run)).isEqualTo(Files.readString(FIXTURES.resolve(run).resolve("expected-summary.txt")));
	}

	@Test
	void oddRoundCountReportsEachRowFromItsMiddleRoundByReqPerSecond() {
		// RateLimit's fastest round had socket errors; its middle round had none, so its ratios count.
		assertThat(report("three-rounds")).contains("| our RateLimit route        |    7026 |")
			.contains("  our RateLimit route         6932-7999\n")
			.contains("  our RateLimit / plain route           0.92  target >= 0.75: met\n");
	}

	@Test
	void evenRoundCountReportsEachRowFromTheSlowerOfItsTwoMiddleRounds() {
		assertThat(report("two-rounds")).contains("| request-otp refused        |   11601 |")
			.contains("  request-otp refused         11601-12947\n");
	}

	@Test
	void oneRoundHasNoRangeOfRounds() {
		assertThat(report("one-round")).doesNotContain("rounds (each row above is its median round)");
	}

	@Test
	void ratioOfARowNotMeasuredIsNotMeasured() {
		assertThat(report("three-rounds"))
			.contains("    the same, a client IP per request    n/a  target >= 1.1:  not measured\n");
	}

	@Test
	void ratioIsJudgedAsPrinted() {
		// 7026 / 4699 is 1.4952..., printed as 1.50.
		assertThat(report("three-rounds"))
			.contains("  our RateLimit / SCG RedisRateLimiter  1.50  target >= 1.5:  met\n")
			.contains("  request-otp refused / plain route     1.46  target >= 1.5:  MISSED\n");
	}

	@Test
	void ratioOfRowsWithUndesignedAnswersIsNotValid() {
		assertThat(report("three-rounds")).contains("  request-otp admitted / SCG route      0.82  target >= 1.1:  NOT VALID: "
				+ "admitted: 2% admitted unchecked (Redis timed out, fail-open);admitted: 12 socket errors;"
				+ "admitted: 0.5% not 2xx\n");
		assertThat(report("two-rounds"))
			.contains("  our RateLimit / plain route           0.93  target >= 0.75: NOT VALID: limited: 0.3% not 2xx\n")
			.contains("  request-otp refused / plain route     1.56  target >= 1.5:  "
					+ "NOT VALID: refused: 0.5% neither 429 nor 2xx\n");
	}

	/** The program's output on one fixture run, with the run's folder written as {@code <dir>}. */
	private static String report(String run) {
		return reports.computeIfAbsent(run, BenchReportTest::launch);
	}

	private static String launch(String run) {
		try {
			Path dir = FIXTURES.resolve(run).toAbsolutePath().normalize();
			Path java = Path.of(System.getProperty("java.home"), "bin", "java");
			Process process = new ProcessBuilder(java.toString(), PROGRAM.toString(), dir.toString())
				.redirectError(ProcessBuilder.Redirect.INHERIT)
				.start();
			String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("BenchReport.java finished").isTrue();
			assertThat(process.exitValue()).as("BenchReport.java exit status").isZero();
			return out.replace(dir.toString(), "<dir>");
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
