package kz.cvety.otp;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import kz.cvety.otp.admission.OtpLimitsProperties;
import kz.cvety.otp.pumping.PumpingProperties;

/**
 * Holds the current {@link OtpSettings} and swaps it atomically when ops refresh the configuration. A refresh
 * whose values do not make valid settings is rejected and the old settings stay in force.
 */
public final class OtpSettingsHolder implements Supplier<OtpSettings> {

	private static final Log logger = LogFactory.getLog(OtpSettingsHolder.class);

	private final OtpProperties otp;

	private final OtpLimitsProperties limits;

	private final PumpingProperties pumping;

	private final AtomicReference<OtpSettings> current;

	private final Runnable onLimitsChanged;

	/**
	 * @param onLimitsChanged called after a refresh changed the limits
	 */
	public OtpSettingsHolder(OtpProperties otp, OtpLimitsProperties limits, Runnable onLimitsChanged) {
		this(otp, limits, new PumpingProperties(), onLimitsChanged);
	}

	/**
	 * @param onLimitsChanged called after a refresh changed the limits
	 */
	public OtpSettingsHolder(OtpProperties otp, OtpLimitsProperties limits, PumpingProperties pumping,
			Runnable onLimitsChanged) {
		this.otp = otp;
		this.limits = limits;
		this.pumping = pumping;
		this.onLimitsChanged = onLimitsChanged;
		this.current = new AtomicReference<>(OtpSettings.from(otp, limits, pumping));
	}

	@Override
	public OtpSettings get() {
		return this.current.get();
	}

	/** Rebuilds the settings from the (rebound) properties; returns whether it was applied. */
	public boolean refresh() {
		OtpSettings next;
		try {
			next = OtpSettings.from(this.otp, this.limits, this.pumping);
		}
		catch (RuntimeException ex) {
			logger.error("Configuration refresh rejected, the previous OTP settings stay in force: " + ex.getMessage());
			return false;
		}
		OtpSettings previous = this.current.getAndSet(next);
		if (!previous.limits().equals(next.limits())) {
			logger.info("OTP limits changed: " + next.limits());
			this.onLimitsChanged.run();
		}
		if (!previous.pumping().equals(next.pumping())) {
			logger.info("OTP pumping guard changed: " + next.pumping());
		}
		return true;
	}

}
