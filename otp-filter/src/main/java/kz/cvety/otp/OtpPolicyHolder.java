package kz.cvety.otp;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import kz.cvety.otp.admission.LimitsProperties;
import kz.cvety.otp.pumping.PumpingProperties;

/**
 * Holds the current {@link OtpPolicy} and swaps it atomically when ops refresh the configuration. A refresh
 * whose values do not make a valid policy is rejected and the old policy stays in force.
 */
public final class OtpPolicyHolder implements Supplier<OtpPolicy> {

	private static final Log logger = LogFactory.getLog(OtpPolicyHolder.class);

	private final OtpProperties otp;

	private final LimitsProperties limits;

	private final PumpingProperties pumping;

	private final AtomicReference<OtpPolicy> current;

	private final Runnable onLimitsChanged;

	/**
	 * @param onLimitsChanged called after a refresh changed the limits
	 */
	public OtpPolicyHolder(OtpProperties otp, LimitsProperties limits, Runnable onLimitsChanged) {
		this(otp, limits, new PumpingProperties(), onLimitsChanged);
	}

	/**
	 * @param onLimitsChanged called after a refresh changed the limits
	 */
	public OtpPolicyHolder(OtpProperties otp, LimitsProperties limits, PumpingProperties pumping,
			Runnable onLimitsChanged) {
		this.otp = otp;
		this.limits = limits;
		this.pumping = pumping;
		this.onLimitsChanged = onLimitsChanged;
		this.current = new AtomicReference<>(OtpPolicy.from(otp, limits, pumping));
	}

	@Override
	public OtpPolicy get() {
		return this.current.get();
	}

	/** Rebuilds the policy from the (rebound) properties; returns whether it was applied. */
	public boolean refresh() {
		OtpPolicy next;
		try {
			next = OtpPolicy.from(this.otp, this.limits, this.pumping);
		}
		catch (RuntimeException ex) {
			logger.error("Configuration refresh rejected, the previous OTP policy stays in force: " + ex.getMessage());
			return false;
		}
		OtpPolicy previous = this.current.getAndSet(next);
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
