package kz.cvety.otp.metrics;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The warm-up's decision lines go through an encoder of the application's (a customer's line's path) and reach no
 * appender of the application; closed, the log drops its lines.
 */
class DiscardedLinesTest {

	private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();

	private final Logger root = this.context.getLogger(Logger.ROOT_LOGGER_NAME);

	private final ByteArrayOutputStream written = new ByteArrayOutputStream();

	private final CountingEncoder encoder = new CountingEncoder();

	private final OutputStreamAppender<ILoggingEvent> application = new OutputStreamAppender<>();

	@BeforeEach
	void anApplicationAppender() {
		this.encoder.setContext(this.context);
		this.encoder.setPattern("%level %logger %msg%n");
		this.encoder.start();
		this.application.setContext(this.context);
		this.application.setName("application");
		this.application.setEncoder(this.encoder);
		this.application.setOutputStream(this.written);
		this.application.start();
		this.root.addAppender(this.application);
	}

	@AfterEach
	void removeIt() {
		this.root.detachAppender(this.application);
	}

	@Test
	void linesAreEncodedAsTheApplicationsAreAndWrittenNowhere() {
		DiscardedLines lines = DiscardedLines.open();
		try {
			lines.log().info("otp.send phone=+7701*****01 outcome=sent request_id=r1");
			lines.log().info("otp.send phone=+7701*****02 outcome=sent request_id=r2");

			assertThat(this.encoder.encoded).as("lines through the application's encoder").isEqualTo(2);
			assertThat(this.written.toString(StandardCharsets.UTF_8)).as("written by the application").isEmpty();
			assertThat(this.context.getLogger(DiscardedLines.LOGGER).isAdditive()).isFalse();
		}
		finally {
			lines.close();
		}

		lines.log().info("otp.send phone=+7701*****03 outcome=sent request_id=r3");

		assertThat(this.encoder.encoded).as("closed: dropped before it is built").isEqualTo(2);
		assertThat(this.context.getLogger(DiscardedLines.LOGGER).iteratorForAppenders().hasNext()).isFalse();
		assertThat(this.written.toString(StandardCharsets.UTF_8)).isEmpty();
	}

	@Test
	void theApplicationsOwnLinesAreUntouched() {
		DiscardedLines lines = DiscardedLines.open();
		try {
			LoggerFactory.getLogger("kz.cvety.otp.decisions").info("otp.send outcome=sent");

			assertThat(this.written.toString(StandardCharsets.UTF_8))
				.isEqualTo("INFO kz.cvety.otp.decisions otp.send outcome=sent" + System.lineSeparator());
		}
		finally {
			lines.close();
		}
	}

	/** The application's encoder, counting the events it encodes. */
	static final class CountingEncoder extends PatternLayoutEncoder {

		int encoded;

		@Override
		public byte[] encode(ILoggingEvent event) {
			this.encoded++;
			return super.encode(event);
		}

	}

}
