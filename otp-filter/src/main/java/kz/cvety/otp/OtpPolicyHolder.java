package kz.cvety.otp;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import kz.cvety.otp.admission.LimitsProperties;

/**
 * Holds the current {@link OtpPolicy} and swaps it atomically when ops refresh the configuration. A refresh
 * whose values do not make a valid policy is rejected and the old policy stays in force.
 */
public final class OtpPolicyHolder implements Supplier<OtpPolicy> {

	private static final Log logger = LogFactory.getLog(OtpPolicyHolder.class);

	private final OtpProperties otp;

	private final LimitsProperties limits;

	private final AtomicReference<OtpPolicy> current;

	private final Runnable onLimitsChanged;

	/**
	 * @param onLimitsChanged called after a refresh changed the limits
	 */
	public OtpPolicyHolder(OtpProperties otp, LimitsProperties limits, Runnable onLimitsChanged) {
		this.otp = otp;
		this.limits = limits;
		this.onLimitsChanged = onLimitsChanged;
		this.current = new AtomicReference<>(OtpPolicy.from(otp, limits));
	}

	@Override
	public OtpPolicy get() {
		return this.current.get();
	}

	/** Rebuilds the policy from the (rebound) properties; returns whether it was applied. */
	public boolean refresh() {
		OtpPolicy next;
		try {
			next = OtpPolicy.from(this.otp, this.limits);
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
		return true;
	}

}
