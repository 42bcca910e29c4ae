package kz.cvety.otp.web;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * When the start-up warm-up ran. A span exporter cannot tell the warm-up's requests from others, so what started
 * while it ran is left out of what is exported, a request served before readiness included; where no warm-up runs,
 * nothing is left out. Depends on nothing, so tracing can ask it while the warm-up's parts are still being made.
 */
public final class WarmUpWindow {

	private volatile @Nullable Instant began;

	private volatile @Nullable Instant ended;

	/** Whether something that started at {@code started} may be exported: it did not start while the warm-up ran. */
	public boolean exports(Instant started) {
		Instant begin = this.began;
		if (begin == null || started.isBefore(begin)) {
			return true;
		}
		Instant end = this.ended;
		return end != null && !started.isBefore(end);
	}

	/** Marks the warm-up begun, once. */
	void begin() {
		if (this.began == null) {
			this.began = Instant.now();
		}
	}

	/** Marks the warm-up over, once. */
	void end() {
		begin();
		if (this.ended == null) {
			this.ended = Instant.now();
		}
	}

}
