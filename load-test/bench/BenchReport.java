import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The summary of a {@code load-test/bench.sh} run, made from the raw facts the script leaves in its results
 * folder: each row from its median round by req/s, the table, and the throughput ratios against their targets.
 * Run with {@code java load-test/bench/BenchReport.java <results folder>}; prints the summary.
 */
public final class BenchReport {

	/** Every row bench.sh knows, with its title; the report lists the measured ones in the run's order. */
	static final List<Row> ROWS = List.of(
			new Row("backend", "backend direct (nginx)", false, Answers.SUCCESS),
			new Row("plain", "plain proxied route", true, Answers.SUCCESS),
			new Row("scg", "SCG RedisRateLimiter route", true, Answers.SUCCESS),
			new Row("scg-bucket4j", "SCG Bucket4jRateLimiter", true, Answers.SUCCESS),
			new Row("limited", "our RateLimit route", true, Answers.SUCCESS),
			new Row("admitted", "request-otp admitted", true, Answers.SUCCESS),
			new Row("admitted-ips", "request-otp admitted, IPs", true, Answers.SUCCESS),
			new Row("admitted-new", "request-otp, new phones", true, Answers.SUCCESS),
			new Row("refused", "request-otp refused", true, Answers.SUCCESS_OR_REFUSED),
			new Row("verify", "verify-otp wrong codes", true, Answers.ANY),
			new Row("two-instances", "new phones, two instances", true, Answers.SUCCESS),
			new Row("cold-start", "fresh instance, at ready", true, Answers.SUCCESS),
			new Row("cold-loaded", "fresh instance, loaded", true, Answers.SUCCESS));

	/** Throughput ratios of two rows: met when at or above the target, or printed for reference only. */
	static final List<Ratio> RATIOS = List.of(
			Ratio.target("our RateLimit / plain route", "limited", "plain", "0.75"),
			Ratio.target("our RateLimit / SCG RedisRateLimiter", "limited", "scg", "1.5"),
			Ratio.target("request-otp refused / plain route", "refused", "plain", "1.5"),
			Ratio.target("request-otp admitted / SCG route", "admitted", "scg", "1.1"),
			Ratio.target("  the same, a client IP per request", "admitted-ips", "scg", "1.1"),
			Ratio.target("  a new phone on every request", "admitted-new", "scg", "1.0"),
			Ratio.target("verify-otp wrong codes / SCG route", "verify", "scg", "0.8"),
			Ratio.target("readiness: at ready / loaded", "cold-start", "cold-loaded", "0.7"),
			Ratio.reference("SCG RedisRateLimiter / plain route", "scg", "plain", "about 0.50 on 2 cores"),
			Ratio.reference("SCG Bucket4jRateLimiter / RedisRateLimiter", "scg-bucket4j", "scg",
					"bucket4j's own cost"),
			Ratio.reference("two instances / one, new phones", "two-instances", "admitted-new",
					"both on this machine's cores"));

	/** The table's columns: two header lines and a width; the first is left-aligned, the others right-aligned. */
	private static final List<Column> COLUMNS = List.of(new Column("row", "", 26), new Column("req/s", "", 7),
			new Column("p50 ms", "", 6), new Column("p99 ms", "", 7), new Column("2xx", "", 8),
			new Column("429", "", 7), new Column("other", "non-2xx", 7), new Column("socket", "errors", 6),
			new Column("fail-open", "admits", 9), new Column("gw CPU", "us/req", 6), new Column("JIT", "%", 5),
			new Column("Redis", "cmds/req", 8), new Column("Redis CPU", "us/req", 9), new Column("heap", "MiB", 5),
			new Column("GC", "ms", 5), new Column("others", "CPU %", 6));

	/** What the columns mean, under the table. */
	private static final String FOOTNOTES = """
			req/s, p50, p99: wrk. 2xx/429/other: answers by status. fail-open admits: RateLimit requests admitted unchecked
			because Redis did not answer in time (fail-mode open). gw CPU / Redis CPU: utime+stime of the process per request
			(gateway: without its JIT compiler threads). JIT %%: the compiler threads' CPU during the row, in %% of one core.
			Redis cmds/req: INFO commandstats (script-internal commands included) per request. heap: used after the row.
			GC: pause time during the row. others CPU %%: the machine's CPU used by processes other than the gateway, Redis,
			nginx and wrk during the row, in %% of all %d cores (noise from other work on a shared machine).
			Rows on two instances add up both instances' gateway columns (CPU, JIT, heap, GC).
			""";

	private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
		.withZone(ZoneOffset.UTC);

	public static void main(String[] args) throws IOException {
		if (args.length != 1) {
			System.err.println("usage: java load-test/bench/BenchReport.java <results folder of bench.sh>");
			System.exit(2);
		}
		try {
			System.out.print(report(Path.of(args[0]).toAbsolutePath().normalize()));
		}
		catch (IllegalArgumentException ex) {
			System.err.println("BenchReport: " + ex.getMessage());
			System.exit(1);
		}
	}

	/** The summary of the run whose results are in {@code dir}: run.txt and measurements.txt. */
	static String report(Path dir) throws IOException {
		Facts run = Facts.ofLines(Files.readAllLines(dir.resolve("run.txt")), "run.txt");
		int cores = (int) run.integer("cores");
		long hz = run.integer("clk_tck");
		Map<String, List<Measured>> rounds = new LinkedHashMap<>();
		List<String> lines = Files.readAllLines(dir.resolve("measurements.txt"));
		for (int i = 0; i < lines.size(); i++) {
			if (lines.get(i).isBlank()) {
				continue;
			}
			Facts facts = Facts.ofLine(lines.get(i), "measurements.txt line " + (i + 1));
			Row row = row(facts.text("row"));
			rounds.computeIfAbsent(row.name(), (name) -> new ArrayList<>())
				.add(Measured.of(row, facts, dir, hz, cores));
		}
		Map<String, Measured> median = new LinkedHashMap<>();
		rounds.forEach((name, measured) -> median.put(name, medianRound(measured)));

		StringBuilder out = new StringBuilder();
		Instant finished = Instant.ofEpochSecond(run.integer("finished"));
		out.append(String.format("Cvety Edge side-by-side benchmark, %s, %d cores (shared), ", DATE.format(finished),
				cores));
		out.append("load average before: " + run.text("load_before") + "\n");
		out.append(String.format("wrk -t%s -c%s -d%s per row, %s round(s), ", run.text("threads"),
				run.text("connections"), run.text("duration"), run.text("rounds")));
		out.append(String.format("after %s pass(es) of %s per row, JIT at %s%% of a core in the last; gateway: java %s%s\n",
				run.text("warmup_passes"), run.text("warmup"), run.text("warmup_jit_percent"), run.text("java_opts"),
				runtimes(run)));
		out.append('\n');
		out.append(tableLine(COLUMNS.stream().map(Column::title).toList()));
		out.append(tableLine(COLUMNS.stream().map(Column::unit).toList()));
		out.append(tableRule());
		for (Measured m : median.values()) {
			out.append(tableLine(List.of(m.row().title(), fixed(m.rps(), 0), m.p50Ms(), m.p99Ms(), m.s2xx(), m.s429(),
					m.sother(), m.socketErrors(), m.failOpen(), m.gatewayCpu(), m.jit(), m.redisCommands(), m.redisCpu(),
					m.heap(), m.gc(), m.othersCpu())));
		}
		out.append('\n');
		out.append(FOOTNOTES.formatted(cores));
		long roundCount = run.integer("rounds");
		if (roundCount > 1) {
			out.append('\n');
			out.append("req/s over the " + roundCount + " rounds (each row above is its median round):\n");
			rounds.forEach((name, measured) -> {
				List<Measured> byRps = sortedByRps(measured);
				out.append(String.format("  %-27s %s-%s\n", row(name).title(), fixed(byRps.get(0).rps(), 0),
						fixed(byRps.get(byRps.size() - 1).rps(), 0)));
			});
		}
		out.append('\n');
		out.append("Ratios of throughput against their targets:\n");
		for (Ratio ratio : RATIOS) {
			String value = ratio(median, ratio.numerator(), ratio.denominator());
			if (ratio.target() != null) {
				out.append(String.format("  %-36s %5s  target >= %-5s %s\n", ratio.label(), value, ratio.target() + ":",
						verdict(median, value, ratio)));
			}
			else {
				out.append(String.format("  %-36s %5s  (reference: %s)\n", ratio.label(), value, ratio.note()));
			}
		}
		out.append(coldStart(median, run));
		out.append(twoInstances(median));
		out.append('\n');
		out.append("Redis commands per request (script-internal commands included):\n");
		for (Measured m : median.values()) {
			String breakdown = m.redisBreakdown();
			out.append(String.format("  %-27s %s\n", m.row().title(), breakdown.isEmpty() ? "(none)" : breakdown));
		}
		out.append('\n');
		out.append(String.format("Gateway max RSS (VmHWM): %s MiB; load average after: %s\n",
				fixed(run.number("vmhwm_kb") / 1024, 0), run.text("load_after")));
		out.append(String.format("Gateway log lines: %s, of which WARN/ERROR: %s\n", run.text("log_lines"),
				run.text("log_warn_error")));
		if (!run.text("jfr").isEmpty()) {
			out.append("JFR recordings: " + dir + "/<row>.jfr (load-test/jfr-top.sh <file> summarises hot methods)\n");
		}
		out.append("Raw wrk output, Redis commandstats and the gateway log: " + dir + "\n");
		return out.toString();
	}

	/**
	 * The fresh instance's two rows side by side: when its readiness was UP, req/s in its first window and after
	 * the load; empty when they were not measured.
	 */
	/**
	 * Which runtime the gateways ran on, after a comma: the jar, or the image's (JDK 25 with its AOT cache); nothing
	 * for runs from before the choice, which all ran the jar.
	 */
	private static String runtimes(Facts run) {
		String runtime = run.textOr("runtime", "");
		if (runtime.isEmpty()) {
			return "";
		}
		String cold = run.textOr("cold_runtime", runtime);
		String all = ", " + runtimeName(runtime);
		return cold.equals(runtime) ? all : all + "; the cold-start instance on " + runtimeName(cold);
	}

	private static String runtimeName(String runtime) {
		return runtime.equals("image") ? "the image's runtime (JDK 25, AOT cache)" : "the jar";
	}

	private static String coldStart(Map<String, Measured> median, Facts run) {
		Measured cold = median.get("cold-start");
		Measured loaded = median.get("cold-loaded");
		if (cold == null || loaded == null) {
			return "";
		}
		return String.format("%nFresh instance: readiness UP %s s after launch (its warm-up included), wrk started %s ms"
				+ " after that;%n  measured for %s, then %s more of the same load, then %s again: %s -> %s req/s,"
				+ " p99 %s -> %s ms%n", cold.readyAfterLaunch(), cold.wrkAfterReady(), run.textOr("cold_window", "?"),
				run.textOr("cold_load", "?"), run.textOr("cold_window", "?"), fixed(cold.rps(), 0),
				fixed(loaded.rps(), 0), cold.p99Ms(), loaded.p99Ms());
	}

	/**
	 * The two-instance row: each instance's share of the answers, its 5xx answers (there must be none), and its
	 * Redis commands per request against one instance's; empty when it was not measured.
	 */
	private static String twoInstances(Map<String, Measured> median) {
		Measured two = median.get("two-instances");
		if (two == null) {
			return "";
		}
		long[] perInstance = new long[2];
		for (int i = 0; i < two.answersByThread().size(); i++) {
			// wrk's odd-numbered threads drive the first instance, its even-numbered threads the second.
			perInstance[i % 2] += two.answersByThread().get(i);
		}
		Measured one = median.get("admitted-new");
		String fiveXx = (two.s5xx() < 0) ? "not counted" : Long.toString(two.s5xx());
		String verdict = (two.s5xx() < 0) ? "not measured" : (two.s5xx() == 0) ? "met" : "MISSED";
		return String.format("%nTwo instances on one Redis: %s req/s together (answers: %d from the first, %d from the"
				+ " second);%n  5xx answers %s, target 0: %s; Redis commands per request %s (one instance: %s)%n",
				fixed(two.rps(), 0), perInstance[0], perInstance[1], fiveXx, verdict, two.redisCommands(),
				(one == null) ? "not measured" : one.redisCommands());
	}

	private static String tableLine(List<?> cells) {
		StringBuilder line = new StringBuilder("|");
		for (int i = 0; i < cells.size(); i++) {
			Column column = COLUMNS.get(i);
			line.append(String.format((i == 0) ? " %-" + column.width() + "s |" : " %" + column.width() + "s |",
					cells.get(i)));
		}
		return line.append('\n').toString();
	}

	/** The Markdown rule under the header: the first column aligned left, the others right. */
	private static String tableRule() {
		StringBuilder rule = new StringBuilder("|");
		for (int i = 0; i < COLUMNS.size(); i++) {
			String dashes = "-".repeat(COLUMNS.get(i).width() + 1);
			rule.append((i == 0) ? ":" + dashes : dashes + ":").append('|');
		}
		return rule.append('\n').toString();
	}

	private static Row row(String name) {
		return ROWS.stream()
			.filter((row) -> row.name().equals(name))
			.findFirst()
			.orElseThrow(() -> new IllegalArgumentException("unknown row '" + name + "'"));
	}

	private static List<Measured> sortedByRps(List<Measured> rounds) {
		List<Measured> sorted = new ArrayList<>(rounds);
		sorted.sort(Comparator.comparingDouble(Measured::rps).thenComparingInt(Measured::round));
		return sorted;
	}

	/** The round in the middle by req/s; of an even count, the lower of the two in the middle. */
	static Measured medianRound(List<Measured> rounds) {
		return sortedByRps(rounds).get((rounds.size() + 1) / 2 - 1);
	}

	private static String ratio(Map<String, Measured> median, String numerator, String denominator) {
		Measured a = median.get(numerator);
		Measured b = median.get(denominator);
		if (a == null || b == null || b.rps() == 0) {
			return "n/a";
		}
		return fixed(a.rps() / b.rps(), 2);
	}

	/**
	 * A ratio only counts when its rows did what they are meant to: no socket errors, no answers other than the
	 * designed ones, no request admitted unchecked. The ratio as printed is what meets the target or not.
	 */
	private static String verdict(Map<String, Measured> median, String value, Ratio ratio) {
		if (value.equals("n/a")) {
			return "not measured";
		}
		List<String> problems = new ArrayList<>();
		for (String name : List.of(ratio.numerator(), ratio.denominator())) {
			problems.addAll(median.get(name).problems());
		}
		if (!problems.isEmpty()) {
			return "NOT VALID: " + String.join(";", problems);
		}
		return Double.parseDouble(value) >= Double.parseDouble(ratio.target()) ? "met" : "MISSED";
	}

	/**
	 * {@code value} with {@code places} decimals as C's printf writes it: the exact binary value rounded half to
	 * even, and "-0" for a negative value that rounds to zero.
	 */
	static String fixed(double value, int places) {
		if (!Double.isFinite(value)) {
			return "-";
		}
		BigDecimal rounded = new BigDecimal(value).setScale(places, RoundingMode.HALF_EVEN);
		String text = rounded.toPlainString();
		boolean negative = value < 0 || 1 / value < 0;
		return (rounded.signum() == 0 && negative) ? "-" + text : text;
	}

	/** The answers a row is designed to get; any other answer makes its ratios not valid. */
	enum Answers {

		/** Only 2xx. */
		SUCCESS,

		/** 429 or 2xx. */
		SUCCESS_OR_REFUSED,

		/** Whatever it gets (wrong codes answer 401 and, after three guesses, 429). */
		ANY

	}

	/**
	 * One row: its name in bench.sh, its title in the report, whether its requests pass the gateway (else the
	 * gateway's and Redis's columns do not apply), the answers it is designed to get.
	 */
	record Row(String name, String title, boolean throughGateway, Answers answers) {
	}

	/** A column of the table. */
	record Column(String title, String unit, int width) {
	}

	/** A ratio of two rows' req/s, with its target or, for a reference ratio, a note. */
	record Ratio(String label, String numerator, String denominator, String target, String note) {

		static Ratio target(String label, String numerator, String denominator, String target) {
			return new Ratio(label, numerator, denominator, target, null);
		}

		static Ratio reference(String label, String numerator, String denominator, String note) {
			return new Ratio(label, numerator, denominator, null, note);
		}

	}

	/** The {@code key=value} facts of one line of measurements.txt, or of all of run.txt. */
	record Facts(Map<String, String> values, String where) {

		static Facts ofLine(String line, String where) {
			Map<String, String> values = new LinkedHashMap<>();
			for (String token : line.trim().split("\\s+")) {
				put(values, token, where);
			}
			return new Facts(values, where);
		}

		static Facts ofLines(List<String> lines, String where) {
			Map<String, String> values = new LinkedHashMap<>();
			for (String line : lines) {
				if (!line.isBlank()) {
					put(values, line, where);
				}
			}
			return new Facts(values, where);
		}

		private static void put(Map<String, String> values, String keyValue, String where) {
			int eq = keyValue.indexOf('=');
			if (eq < 1) {
				throw new IllegalArgumentException(where + ": '" + keyValue + "' is not key=value");
			}
			values.put(keyValue.substring(0, eq), keyValue.substring(eq + 1));
		}

		String text(String key) {
			String value = this.values.get(key);
			if (value == null) {
				throw new IllegalArgumentException(this.where + ": no " + key);
			}
			return value;
		}

		long integer(String key) {
			try {
				return Long.parseLong(text(key));
			}
			catch (NumberFormatException ex) {
				throw new IllegalArgumentException(this.where + ": " + key + "=" + text(key) + " is not an integer");
			}
		}

		double number(String key) {
			try {
				return Double.parseDouble(text(key));
			}
			catch (NumberFormatException ex) {
				throw new IllegalArgumentException(this.where + ": " + key + "=" + text(key) + " is not a number");
			}
		}

		String textOr(String key, String fallback) {
			return this.values.getOrDefault(key, fallback);
		}

		long integerOr(String key, long fallback) {
			return this.values.containsKey(key) ? integer(key) : fallback;
		}

		long delta(String counter) {
			return integer(counter + "_after") - integer(counter + "_before");
		}

	}

	/** One round of one row, as the table shows it; the counts stay numbers for the ratios' caveats. */
	record Measured(Row row, int round, double rps, long requests, String p50Ms, String p99Ms, long s2xx, long s429,
			long sother, long socketErrors, long failOpen, String gatewayCpu, String jit, String redisCommands,
			String redisCpu, String heap, String gc, String othersCpu, String redisBreakdown, long s5xx,
			List<Long> answersByThread, String readyAfterLaunch, String wrkAfterReady) {

		static Measured of(Row row, Facts facts, Path dir, long hz, int cores) throws IOException {
			long requests = facts.integer("requests");
			double n = requests;
			double elapsed = facts.delta("ns") / 1e9;
			long gatewayTicks = facts.delta("gw_ticks");
			long jitTicks = facts.delta("jit_ticks");
			long redisTicks = facts.delta("redis_ticks");
			long ourTicks = gatewayTicks + redisTicks + facts.delta("nginx_ticks");
			double wrkCpu = facts.number("wrk_cpu_s_after") - facts.number("wrk_cpu_s_before");
			// The machine's CPU taken by processes other than the gateway, Redis, nginx and wrk, in % of all cores.
			double others = (double) (facts.delta("busy_ticks") - ourTicks) / hz - wrkCpu;
			if (others < 0) {
				others = 0;
			}
			String gatewayCpu = "-";
			String jit = "-";
			String redisCpu = "-";
			String heap = "-";
			if (row.throughGateway()) {
				// The JIT compiler threads' share is left out: it is warm-up still going on, not the cost of a request.
				gatewayCpu = fixed((double) (gatewayTicks - jitTicks) * 1e6 / hz / n, 0);
				jit = fixed(100 * (double) jitTicks / hz / elapsed, 0);
				redisCpu = fixed((double) redisTicks * 1e6 / hz / n, 1);
				heap = facts.text("heap_mib");
			}
			long commands = 0;
			StringBuilder breakdown = new StringBuilder();
			String statsFile = facts.text("file") + ".commandstats";
			for (String line : Files.readAllLines(dir.resolve(statsFile))) {
				// Commands run inside Lua scripts are counted too (as Redis itself counts them); INFO and CONFIG,
				// the bench's own, are not.
				if (!line.startsWith("cmdstat_") || line.startsWith("cmdstat_info") || line.startsWith("cmdstat_config")) {
					continue;
				}
				String[] fields = line.split("[:=,]", -1);
				long calls = Long.parseLong(fields[2]);
				commands += calls;
				if (calls > 0) {
					breakdown.append(breakdown.isEmpty() ? " " : ", ")
						.append(fields[0].substring("cmdstat_".length()))
						.append('=')
						.append(fixed(calls / n, 2));
				}
			}
			return new Measured(row, (int) facts.integer("round"), facts.number("rps"), requests,
					fixed(facts.integer("p50_us") / 1000.0, 2), fixed(facts.integer("p99_us") / 1000.0, 2),
					facts.integer("s2xx"), facts.integer("s429"), facts.integer("sother"),
					facts.integer("connect_errors") + facts.integer("read_errors") + facts.integer("write_errors")
							+ facts.integer("timeouts"),
					facts.delta("fail_open"), gatewayCpu, jit, fixed(commands / n, 2), redisCpu, heap,
					fixed((facts.number("gc_s_after") - facts.number("gc_s_before")) * 1000, 0),
					fixed(100 * others / (elapsed * cores), 0), breakdown.toString(), facts.integerOr("s5xx", -1),
					answersByThread(facts.textOr("answers_by_thread", "")),
					between(facts.integerOr("ns_launched", -1), facts.integerOr("ns_ready", -1), 1e9, 1),
					between(facts.integerOr("ns_ready", -1), facts.integer("ns_before"), 1e6, 0));
		}

		/**
		 * The time from {@code earlier} to {@code later} (nanosecond timestamps) in units of {@code unit}
		 * nanoseconds, or "-" if either is missing.
		 */
		private static String between(long earlier, long later, double unit, int places) {
			return (later < 0 || earlier < 0) ? "-" : fixed((later - earlier) / unit, places);
		}

		private static List<Long> answersByThread(String list) {
			return list.isEmpty() ? List.of() : Arrays.stream(list.split(",")).map(Long::parseLong).toList();
		}

		/** Why this round's figures do not count for a ratio, one phrase each; empty when they do. */
		List<String> problems() {
			List<String> problems = new ArrayList<>();
			String name = this.row.name();
			if (this.failOpen > 0) {
				problems.add(name + ": " + fixed(100.0 * this.failOpen / this.requests, 0)
						+ "% admitted unchecked (Redis timed out, fail-open)");
			}
			if (this.socketErrors > 0) {
				problems.add(name + ": " + this.socketErrors + " socket errors");
			}
			double oneInAThousand = this.requests / 1000.0;
			switch (this.row.answers()) {
				case SUCCESS -> {
					if (this.sother + this.s429 > oneInAThousand) {
						problems.add(name + ": " + fixed(100.0 * (this.sother + this.s429) / this.requests, 1)
								+ "% not 2xx");
					}
				}
				case SUCCESS_OR_REFUSED -> {
					if (this.sother > oneInAThousand) {
						problems.add(name + ": " + fixed(100.0 * this.sother / this.requests, 1)
								+ "% neither 429 nor 2xx");
					}
				}
				case ANY -> {
				}
			}
			return problems;
		}

	}

}
