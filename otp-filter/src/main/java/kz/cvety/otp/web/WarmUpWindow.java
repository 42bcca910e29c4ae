package kz.cvety.otp.web;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * When the start-up warm-up ended. A span exporter cannot tell the warm-up's requests from others, so what started
 * before then is left out of what is exported, a request served before readiness included. Depends on nothing, so
 * tracing can ask it while the warm-up's parts are still being made.
 */
public final class WarmUpWindow {

	private volatile @Nullable Instant ended;

	/** Whether something that started at {@code started} began once the warm-up was over. */
	public boolean after(Instant started) {
		Instant end = this.ended;
		return end != null && !started.isBefore(end);
	}

	/** Marks the warm-up over, once. */
	void end() {
		if (this.ended == null) {
			this.ended = Instant.now();
		}
	}

}
