package kz.cvety.otp.support;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import reactor.core.publisher.Mono;

/**
 * Counts work that runs on after whoever started it stopped listening: an admitted OTP request whose client hung
 * up, a pumping-guard count made after the answer. Shutdown waits for it: a web server's graceful shutdown
 * waits only for requests whose client is still connected, and the Redis connection and the SMS provider's HTTP
 * client close right after it, which would cut such work off half-done (an SMS the provider may have sent recorded
 * as unconfirmed, a count lost).
 */
public final class DetachedWork {

	private final AtomicInteger running = new AtomicInteger();

	private final AtomicReference<Runnable> onIdle = new AtomicReference<>();

	/** {@code work}, counted from its subscription until it ends, however it ends (a cancel included). */
	public <T> Mono<T> counted(Mono<T> work) {
		return Mono.defer(() -> {
			this.running.incrementAndGet();
			return work.doFinally(signal -> ended());
		});
	}

	/** How many counted works are running now. */
	public int running() {
		return this.running.get();
	}

	/**
	 * Runs {@code callback} once no counted work is running: now if none is, else when the last one ends. One
	 * callback at a time; a later one replaces an earlier one still waiting.
	 */
	public void whenIdle(Runnable callback) {
		this.onIdle.set(callback);
		if (this.running.get() == 0) {
			runOnIdle();
		}
	}

	private void ended() {
		if (this.running.decrementAndGet() == 0) {
			runOnIdle();
		}
	}

	private void runOnIdle() {
		Runnable callback = this.onIdle.getAndSet(null);
		if (callback != null) {
			callback.run();
		}
	}

}
