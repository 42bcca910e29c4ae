package kz.cvety.otp.metrics;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import kz.cvety.otp.OtpOutcomes;
import kz.cvety.otp.admission.SendOutcome;
import kz.cvety.otp.admission.VerifyOutcome;
import kz.cvety.otp.phone.PhoneMasker;

/**
 * One log line per OTP decision, with the masked phone, the outcome and the limit, never a code or a secret;
 * and the matching counters when metrics are on. Refusals answered from the in-process cache go to DEBUG, so a
 * bot hammering one blocked phone cannot flood the log.
 */
public final class OtpDecisionLog implements OtpOutcomes, AutoCloseable {

	private static final Log DECISIONS = LogFactory.getLog("kz.cvety.otp.decisions");

	private final Log logger;

	private final @Nullable OtpMetrics metrics;

	private final @Nullable DiscardedLines discarded;

	public OtpDecisionLog(@Nullable OtpMetrics metrics) {
		this(metrics, DECISIONS, null);
	}

	private OtpDecisionLog(@Nullable OtpMetrics metrics, Log logger, @Nullable DiscardedLines discarded) {
		this.metrics = metrics;
		this.logger = logger;
		this.discarded = discarded;
	}

	/**
	 * A decision log whose lines go through the application's logging as a customer's do (Logback's logger, event
	 * and the console's encoder) and are then written nowhere, counting in {@code metrics}: for the start-up
	 * warm-up's requests, so the first customer's line meets compiled code. Once closed, it drops lines unbuilt.
	 */
	public static OtpDecisionLog discarded(@Nullable OtpMetrics metrics) {
		DiscardedLines lines = DiscardedLines.open();
		return new OtpDecisionLog(metrics, lines.log(), lines);
	}

	/** Stops a {@link #discarded} log; nothing for the others. */
	@Override
	public void close() {
		if (this.discarded != null) {
			this.discarded.close();
		}
	}

	@Override
	public void send(String phone, SendOutcome outcome, @Nullable String limit, boolean cached,
			@Nullable String requestId) {
		if (!cached) {
			this.logger.info(sendLine(phone, outcome, limit, requestId));
		}
		else if (this.logger.isDebugEnabled()) {
			this.logger.debug(sendLine(phone, outcome, limit, requestId) + " source=cache");
		}
		// Refusals and store failures are counted where they are decided, by limit and by the store's circuit.
		if (this.metrics != null && outcome != SendOutcome.REFUSED && outcome != SendOutcome.STORE_UNAVAILABLE) {
			this.metrics.send(outcome);
		}
	}

	private static String sendLine(String phone, SendOutcome outcome, @Nullable String limit, @Nullable String requestId) {
		return "otp.send phone=" + PhoneMasker.mask(phone) + " outcome=" + outcome.tag()
				+ ((limit != null) ? " limit=" + limit : "") + " request_id=" + requestId;
	}

	@Override
	public void verify(String phone, VerifyOutcome outcome, @Nullable String requestId) {
		this.logger.info("otp.verify phone=" + PhoneMasker.mask(phone) + " outcome=" + outcome.tag() + " request_id="
				+ requestId);
		if (this.metrics != null && outcome != VerifyOutcome.STORE_UNAVAILABLE) {
			this.metrics.verify(outcome);
		}
	}

}
