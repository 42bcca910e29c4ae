package kz.cvety.otp.autoconfigure;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;

import kz.cvety.otp.support.DetachedWork;

/**
 * At shutdown, waits for the OTP work that runs on after its client has gone ({@link DetachedWork}): after the web
 * server's graceful shutdown and stop, which do not see it, and before the Redis connection and the HTTP clients'
 * resources close (phase 0), which it still needs. Spring bounds the wait by
 * {@code spring.lifecycle.timeout-per-shutdown-phase}; each step of the work has its own time-out besides.
 */
final class DetachedWorkDrain implements SmartLifecycle {

	/** After the web server's phases ({@code SmartLifecycle.DEFAULT_PHASE - 1024} and {@code - 2048}), above 0. */
	static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

	private static final Log logger = LogFactory.getLog(DetachedWorkDrain.class);

	private final DetachedWork detached;

	private volatile boolean running;

	DetachedWorkDrain(DetachedWork detached) {
		this.detached = detached;
	}

	@Override
	public void start() {
		this.running = true;
	}

	/** Does not wait: Spring stops a {@link SmartLifecycle} through {@link #stop(Runnable)}, which does. */
	@Override
	public void stop() {
		this.running = false;
	}

	@Override
	public void stop(Runnable callback) {
		this.running = false;
		int running = this.detached.running();
		if (running == 0) {
			callback.run();
			return;
		}
		logger.info("Waiting for OTP work that runs on after its client has gone (" + running
				+ " running: sends, verifications, pumping-guard counts)");
		long started = System.nanoTime();
		this.detached.whenIdle(() -> {
			logger.info("OTP work whose client had gone ended within " + (System.nanoTime() - started) / 1_000_000
					+ " ms");
			callback.run();
		});
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
