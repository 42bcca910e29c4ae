package kz.cvety.otp.web;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * How busy the JVM's JIT compiler threads are, measured over windows of a second: the warm-up goes on until they
 * were busy less than a tenth of a window, by then the paths it drives are compiled. The JVM offers only the total
 * compilation time ({@link CompilationMXBean}), so the rate is taken here.
 */
final class CompilerActivity {

	static final Duration WINDOW = Duration.ofSeconds(1);

	/** Compiler time per wall time below which the compiler counts as quiet. */
	static final double QUIET_SHARE = 0.1;

	private final LongSupplier compilingMillis;

	private final LongSupplier nanoTime;

	private final boolean measurable;

	private long windowStart;

	private long compiledAtStart;

	CompilerActivity(LongSupplier compilingMillis, LongSupplier nanoTime, boolean measurable) {
		this.compilingMillis = compilingMillis;
		this.nanoTime = nanoTime;
		this.measurable = measurable;
		restart();
	}

	static CompilerActivity ofThisJvm() {
		CompilationMXBean bean = ManagementFactory.getCompilationMXBean();
		boolean measurable = bean != null && bean.isCompilationTimeMonitoringSupported();
		return new CompilerActivity(measurable ? bean::getTotalCompilationTime : () -> 0L, System::nanoTime,
				measurable);
	}

	/** Whether this JVM tells its compilation time (a JVM without a JIT compiler, or one hiding it, does not). */
	boolean measurable() {
		return this.measurable;
	}

	/** Starts a new window now. */
	synchronized void restart() {
		this.windowStart = this.nanoTime.getAsLong();
		this.compiledAtStart = this.compilingMillis.getAsLong();
	}

	/**
	 * Whether the compiler was quiet over the window that just ended; false while the window lasts. Each ended
	 * window starts the next.
	 */
	synchronized boolean quiet() {
		long now = this.nanoTime.getAsLong();
		long elapsed = now - this.windowStart;
		if (elapsed < WINDOW.toNanos()) {
			return false;
		}
		long compiling = this.compilingMillis.getAsLong();
		double share = (double) Duration.ofMillis(compiling - this.compiledAtStart).toNanos() / elapsed;
		this.windowStart = now;
		this.compiledAtStart = compiling;
		return share < QUIET_SHARE;
	}

}
