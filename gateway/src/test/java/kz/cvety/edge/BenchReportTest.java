package kz.cvety.edge;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmark's report program ({@code load-test/bench/BenchReport.java}), launched as bench.sh launches it, on
 * the recorded measurements under {@code load-test/bench/report-fixture/}: one round, two rounds with JFR on,
 * three rounds with a row left out and rows that answered what they were not designed to, and the fresh-instance
 * and two-instance rows (some tests change a copy of a run's measurements).
 */
class BenchReportTest {

	private static final Path PROGRAM = Path.of("..", "load-test", "bench", "BenchReport.java");

	private static final Path FIXTURES = Path.of("..", "load-test", "bench", "report-fixture");

	/** The recorded run of the fresh-instance and two-instance rows, with the new-phone row they compare with. */
	private static final String COLD = "cold-and-two-instances";

	private static final Map<String, String> reports = new ConcurrentHashMap<>();

	@ParameterizedTest
	@ValueSource(strings = { "one-round", "two-rounds", "three-rounds", "cold-and-two-instances" })
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

	@Test
	void readinessRatioIsTheFreshInstancesReqPerSecondAtReadyOverAfterTheLoad() {
		// 123.8 / 493.7 req/s; the window at ready had wrk timeouts, so the ratio does not count.
		assertThat(report(COLD)).contains("  readiness: at ready / loaded          0.25  target >= 0.7:  "
				+ "NOT VALID: cold-start: 6 socket errors\n")
			.contains("Fresh instance: readiness UP 33.5 s after launch (its warm-up included), wrk started 374 ms after"
					+ " that;\n  measured for 10s, then 60s more of the same load, then 10s again: 124 -> 494 req/s,"
					+ " p99 1729.86 -> 536.05 ms\n");
	}

	@Test
	void readinessRatioIsJudgedAgainstItsTarget(@TempDir Path dir) throws IOException {
		assertThat(reportOfChanged(COLD, dir.resolve("missed"), (line) -> line.startsWith("row=cold-start ")
				? line.replace(" timeouts=6 ", " timeouts=0 ") : line))
			.contains("  readiness: at ready / loaded          0.25  target >= 0.7:  MISSED\n");
		// 350 / 493.7 is 0.7089: met.
		assertThat(reportOfChanged(COLD, dir.resolve("met"), (line) -> line.startsWith("row=cold-start ")
				? line.replace(" timeouts=6 ", " timeouts=0 ").replace(" rps=123.8 ", " rps=350.0 ") : line))
			.contains("  readiness: at ready / loaded          0.71  target >= 0.7:  met\n");
	}

	@Test
	void theHeaderNamesTheRuntimesOfARunThatChoseThem(@TempDir Path dir) throws IOException {
		assertThat(reportOfChanged(COLD, dir.resolve("jar"), UnaryOperator.identity(), "runtime=jar",
				"cold_runtime=image"))
			.contains("gateway: java -Xms512m -Xmx512m, the jar; the cold-start instance on the image's runtime"
					+ " (JDK 25, AOT cache)\n");
		assertThat(reportOfChanged(COLD, dir.resolve("image"), UnaryOperator.identity(), "runtime=image",
				"cold_runtime=image"))
			.contains("gateway: java -Xms512m -Xmx512m, the image's runtime (JDK 25, AOT cache)\n");
		assertThat(report(COLD)).as("a run from before the choice").contains("gateway: java -Xms512m -Xmx512m\n");
	}

	@Test
	void twoInstancesReportEachInstancesAnswersTheir5xxAndRedisCommandsAgainstOneInstance() {
		// wrk's first thread drives the first instance, its second thread the second.
		assertThat(report(COLD))
			.contains("Two instances on one Redis: 134 req/s together (answers: 418 from the first, 261 from the second);\n"
					+ "  5xx answers 109, target 0: MISSED; Redis commands per request 21.80 (one instance: 22.55)\n")
			.contains("  two instances / one, new phones       0.66  (reference: both on this machine's cores)\n");
	}

	@Test
	void twoInstancesWithout5xxMeetTheirTarget(@TempDir Path dir) throws IOException {
		assertThat(reportOfChanged(COLD, dir, (line) -> line.startsWith("row=two-instances ")
				? line.replace(" s2xx=570 ", " s2xx=679 ").replace(" sother=109 s5xx=109 ", " sother=0 s5xx=0 ") : line))
			.contains("  5xx answers 0, target 0: met;");
	}

	@Test
	void runWithoutTheNewRowsHasNoSectionsForThem() {
		assertThat(report("three-rounds")).doesNotContain("Fresh instance:")
			.doesNotContain("Two instances on one Redis:")
			.contains("  readiness: at ready / loaded           n/a  target >= 0.7:  not measured\n");
	}

	/** The program's output on one fixture run, with the run's folder written as {@code <dir>}. */
	private static String report(String run) {
		return reports.computeIfAbsent(run, (name) -> launch(FIXTURES.resolve(name)));
	}

	/** The program's output on a copy of a fixture run in {@code dir}, each line of its measurements changed. */
	private static String reportOfChanged(String run, Path dir, UnaryOperator<String> change, String... runFacts)
			throws IOException {
		Files.createDirectories(dir);
		try (Stream<Path> files = Files.list(FIXTURES.resolve(run))) {
			for (Path file : files.toList()) {
				Files.copy(file, dir.resolve(file.getFileName()));
			}
		}
		Path measurements = dir.resolve("measurements.txt");
		Files.write(measurements, Files.readAllLines(measurements).stream().map(change).toList());
		Files.write(dir.resolve("run.txt"), List.of(runFacts), StandardOpenOption.APPEND);
		return launch(dir);
	}

	private static String launch(Path fixture) {
		try {
			Path dir = fixture.toAbsolutePath().normalize();
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
