package kz.cvety.otp.admission;

import java.util.ArrayList;
import java.util.List;

import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

import kz.cvety.otp.ratelimit.Limit;
import kz.cvety.otp.ratelimit.Refill;

/**
 * The OTP limits ops tune in {@code config/}; each is a list of {@link Limit}s that must all pass.
 * {@code POST /actuator/refresh} applies changes to live buckets without a restart.
 */
@ConfigurationProperties(LimitsProperties.PREFIX)
@Validated
public class LimitsProperties {

	/** Property prefix. */
	public static final String PREFIX = "cvety.otp.limits";

	/** Codes sent per phone number (the seed figure is 10 a minute). */
	@NotEmpty
	private List<Limit> sendPerPhone = new ArrayList<>(List.of(Limit.valueOf("10/1m")));

	/** Codes requested per client IP, whatever the phone. */
	@NotEmpty
	private List<Limit> sendPerIp = new ArrayList<>(List.of(Limit.valueOf("30/1m")));

	/** Codes sent by the whole gateway fleet: the SMS budget against pumping. */
	@NotEmpty
	private List<Limit> sendGlobal = new ArrayList<>(List.of(Limit.valueOf("1000/1m")));

	/** Failed verifications per phone across codes, so new codes do not buy unlimited guesses. */
	@NotEmpty
	private List<Limit> verifyFailuresPerPhone = new ArrayList<>(List.of(Limit.valueOf("10/1h")));

	/** How buckets refill: greedy (a token at a time, smooth) or interval (all at once each period). */
	@NotNull
	private Refill refill = Refill.GREEDY;

	/** Decide, log and count, but never refuse: for trying new limits on live traffic. */
	private boolean dryRun;

	public List<Limit> getSendPerPhone() {
		return this.sendPerPhone;
	}

	public void setSendPerPhone(List<Limit> sendPerPhone) {
		this.sendPerPhone = sendPerPhone;
	}

	public List<Limit> getSendPerIp() {
		return this.sendPerIp;
	}

	public void setSendPerIp(List<Limit> sendPerIp) {
		this.sendPerIp = sendPerIp;
	}

	public List<Limit> getSendGlobal() {
		return this.sendGlobal;
	}

	public void setSendGlobal(List<Limit> sendGlobal) {
		this.sendGlobal = sendGlobal;
	}

	public List<Limit> getVerifyFailuresPerPhone() {
		return this.verifyFailuresPerPhone;
	}

	public void setVerifyFailuresPerPhone(List<Limit> verifyFailuresPerPhone) {
		this.verifyFailuresPerPhone = verifyFailuresPerPhone;
	}

	public Refill getRefill() {
		return this.refill;
	}

	public void setRefill(Refill refill) {
		this.refill = refill;
	}

	public boolean isDryRun() {
		return this.dryRun;
	}

	public void setDryRun(boolean dryRun) {
		this.dryRun = dryRun;
	}

}
