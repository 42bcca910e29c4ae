package kz.cvety.otp.web;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CompilerActivityTest {

	private final AtomicLong compiledMillis = new AtomicLong();

	private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

	private final CompilerActivity compiler = new CompilerActivity(this.compiledMillis::get, this.nanos::get, true);

	@Test
	void notQuietBeforeAWholeWindowWasSeen() {
		advance(999, 0);

		assertThat(this.compiler.quiet()).isFalse();
	}

	@Test
	void quietWhenTheCompilerWorkedLessThanATenthOfTheWindow() {
		advance(1000, 99);

		assertThat(this.compiler.quiet()).isTrue();
	}

	@Test
	void busyAtATenthOrMoreAndEachEndedWindowStartsTheNext() {
		advance(1000, 100);
		assertThat(this.compiler.quiet()).isFalse();

		advance(500, 0);
		assertThat(this.compiler.quiet()).as("half a window later").isFalse();
		advance(500, 0);
		assertThat(this.compiler.quiet()).as("a whole quiet window later").isTrue();
	}

	@Test
	void twoCompilerThreadsBusyAtOnceCountTwice() {
		advance(2000, 1900);

		assertThat(this.compiler.quiet()).isFalse();
	}

	@Test
	void restartForgetsWhatCameBefore() {
		advance(900, 800);
		this.compiler.restart();
		advance(1000, 50);

		assertThat(this.compiler.quiet()).isTrue();
	}

	@Test
	void thisJvmTellsItsCompilationTime() {
		assertThat(CompilerActivity.ofThisJvm().measurable()).isTrue();
	}

	private void advance(long millis, long compiled) {
		this.nanos.addAndGet(millis * 1_000_000L);
		this.compiledMillis.addAndGet(compiled);
	}

}
