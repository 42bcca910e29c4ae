package kz.cvety.otp.actuate;

import reactor.util.context.ContextView;

/**
 * Who called the support endpoint, for its audit line: actuator operations do not see the exchange, so
 * {@link SupportCallerFilter} hands this over in the Reactor context.
 *
 * @param address the caller's address, resolved as for the per-IP limits
 * @param requestId the request's {@code X-Request-Id}
 */
public record SupportCaller(String address, String requestId) {

	/** Stands for a caller the filter did not see. */
	public static final SupportCaller UNKNOWN = new SupportCaller("unknown", "unknown");

	/** The caller in {@code context}, or {@link #UNKNOWN}. */
	public static SupportCaller from(ContextView context) {
		return context.getOrDefault(SupportCaller.class, UNKNOWN);
	}

}
