package kz.cvety.otp.metrics;

import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.commons.logging.impl.NoOpLog;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

import org.springframework.util.ClassUtils;

/**
 * A log whose lines run through the application's Logback pipeline as a customer's decision line does (the logger,
 * its event, the encoder of each stream appender of the root logger: the console's pattern or JSON layout, the
 * request's trace ids) and whose bytes go nowhere: for the start-up warm-up, so the JIT compiler has compiled that
 * path before the first customer's line, which it would otherwise meet interpreted. Logback has no appender that
 * encodes and discards; its stream appender over a null stream, sharing the real appenders' encoders (Logback
 * already calls an encoder from many threads at once), is one. Without Logback, a log that writes nothing.
 */
final class DiscardedLines implements AutoCloseable {

	/** The logger the lines are written to: its own, not additive, so no real appender ever sees them. */
	static final String LOGGER = "kz.cvety.otp.warm-up.decisions";

	private static final boolean LOGBACK = ClassUtils.isPresent("ch.qos.logback.classic.LoggerContext",
			DiscardedLines.class.getClassLoader());

	private final Log log;

	private final List<Appender<ILoggingEvent>> sinks;

	private final @Nullable Logger logger;

	private DiscardedLines(Log log, @Nullable Logger logger,
			List<Appender<ILoggingEvent>> sinks) {
		this.log = log;
		this.logger = logger;
		this.sinks = sinks;
	}

	/** Lines through Logback into nothing, or, where Logback does not log this application, no lines at all. */
	static DiscardedLines open() {
		if (!LOGBACK || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
			return new DiscardedLines(new NoOpLog(), null, List.of());
		}
		Logger logger = context.getLogger(LOGGER);
		List<Appender<ILoggingEvent>> sinks = new ArrayList<>();
		Iterator<Appender<ILoggingEvent>> appenders = context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders();
		while (appenders.hasNext()) {
			if (appenders.next() instanceof OutputStreamAppender<ILoggingEvent> real && real.getEncoder() != null) {
				OutputStreamAppender<ILoggingEvent> sink = new OutputStreamAppender<>();
				sink.setContext(context);
				sink.setName(LOGGER + "." + real.getName());
				sink.setEncoder(real.getEncoder());
				sink.setOutputStream(OutputStream.nullOutputStream());
				sink.start();
				sinks.add(sink);
			}
		}
		logger.setAdditive(false);
		sinks.forEach(logger::addAppender);
		logger.setLevel(sinks.isEmpty() ? Level.OFF : Level.INFO);
		return new DiscardedLines(LogFactory.getLog(LOGGER), logger, sinks);
	}

	/** The log to write the lines to. */
	Log log() {
		return this.log;
	}

	/** Turns the logger off and takes its sinks away: a line written later is dropped before it is built. */
	@Override
	public void close() {
		if (this.logger != null) {
			this.logger.setLevel(Level.OFF);
			this.sinks.forEach(this.logger::detachAppender);
		}
	}

}
