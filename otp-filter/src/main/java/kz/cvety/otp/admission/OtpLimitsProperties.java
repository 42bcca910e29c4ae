package kz.cvety.otp.admission;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

import kz.cvety.otp.phone.NumberRange;
import kz.cvety.otp.ratelimit.Limit;
import kz.cvety.otp.ratelimit.Refill;

/**
 * The OTP limits ops tune in {@code config/}; each is a list of {@link Limit}s that must all pass.
 * {@code POST /actuator/refresh} applies changes to live buckets without a restart.
 */
@ConfigurationProperties(OtpLimitsProperties.PREFIX)
@Validated
public class OtpLimitsProperties {

	/** Property prefix. */
	public static final String PREFIX = "cvety.otp.limits";

	/** Codes sent per phone number (the seed figure is 10 a minute). */
	@NotEmpty
	private List<Limit> sendPerPhone = new ArrayList<>(List.of(Limit.valueOf("10/1m")));

	/** Codes sent per number range (see prefix-suffix-digits), whatever the client IP: stops a ring walking a range. */
	@NotEmpty
	private List<Limit> sendPerPrefix = new ArrayList<>(List.of(Limit.valueOf("30/1h")));

	/** Trailing digits a phone number drops to give its range: 4 makes ranges of 10,000 numbers. */
	@Min(value = NumberRange.MIN_SUFFIX_DIGITS, message = "must be from 1 to 8 digits")
	@Max(value = NumberRange.MAX_SUFFIX_DIGITS, message = "must be from 1 to 8 digits")
	private int prefixSuffixDigits = 4;

	/** Codes requested per client IP, whatever the phone; the daily limit caps one address's bill. */
	@NotEmpty
	private List<Limit> sendPerIp = new ArrayList<>(List.of(Limit.valueOf("30/1m"), Limit.valueOf("2000/1d")));

	/** Codes sent by the whole gateway fleet: the SMS budget against pumping, with a daily cap on the bill. */
	@NotEmpty
	private List<Limit> sendGlobal = new ArrayList<>(List.of(Limit.valueOf("1000/1m"), Limit.valueOf("20000/1d")));

	/** Failed verifications per phone across codes, so new codes do not buy unlimited guesses. */
	@NotEmpty
	private List<Limit> verifyFailuresPerPhone = new ArrayList<>(List.of(Limit.valueOf("10/1h")));

	/** Failed verifications per client IP across all phones, so one address cannot spray guesses at many codes. */
	@NotEmpty
	private List<Limit> verifyFailuresPerIp = new ArrayList<>(List.of(Limit.valueOf("100/1h")));

	/**
	 * Networks with per-IP limits of their own (an office or a partner's NAT), or exempt from them (a monitoring
	 * address); the most specific network holding the client's address wins. Never touches the per-phone, range and
	 * global limits.
	 */
	@Valid
	private List<IpOverride> ipOverrides = new ArrayList<>();

	/** How buckets refill: greedy (a token at a time, smooth) or interval (all at once each period). */
	@NotNull
	private Refill refill = Refill.GREEDY;

	/** Decide, log and count, but never refuse: for trying new limits on live traffic. */
	private boolean dryRun;

	/**
	 * Keys every instance uses at once, counted by each instance ahead of Redis within a bound: fewer Redis round
	 * trips for at most instances x max-unsynchronized-tokens admitted over the limit.
	 */
	private HotKeys hotKeys = new HotKeys();

	public List<Limit> getSendPerPhone() {
		return this.sendPerPhone;
	}

	public void setSendPerPhone(List<Limit> sendPerPhone) {
		this.sendPerPhone = sendPerPhone;
	}

	public List<Limit> getSendPerPrefix() {
		return this.sendPerPrefix;
	}

	public void setSendPerPrefix(List<Limit> sendPerPrefix) {
		this.sendPerPrefix = sendPerPrefix;
	}

	public int getPrefixSuffixDigits() {
		return this.prefixSuffixDigits;
	}

	public void setPrefixSuffixDigits(int prefixSuffixDigits) {
		this.prefixSuffixDigits = prefixSuffixDigits;
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

	public List<Limit> getVerifyFailuresPerIp() {
		return this.verifyFailuresPerIp;
	}

	public void setVerifyFailuresPerIp(List<Limit> verifyFailuresPerIp) {
		this.verifyFailuresPerIp = verifyFailuresPerIp;
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

	public HotKeys getHotKeys() {
		return this.hotKeys;
	}

	public void setHotKeys(HotKeys hotKeys) {
		this.hotKeys = hotKeys;
	}

	public List<IpOverride> getIpOverrides() {
		return this.ipOverrides;
	}

	public void setIpOverrides(List<IpOverride> ipOverrides) {
		this.ipOverrides = ipOverrides;
	}

	/** The keys counted ahead of Redis. */
	public static class HotKeys {

		/** The global SMS budget: one key for the whole fleet, met by every send. */
		private HotKey sendGlobal = new HotKey(10);

		/** Each client IP's send limit, default and per network: a carrier NAT sends from one address. */
		private HotKey sendPerIp = new HotKey(0);

		public HotKey getSendGlobal() {
			return this.sendGlobal;
		}

		public void setSendGlobal(HotKey sendGlobal) {
			this.sendGlobal = sendGlobal;
		}

		public HotKey getSendPerIp() {
			return this.sendPerIp;
		}

		public void setSendPerIp(HotKey sendPerIp) {
			this.sendPerIp = sendPerIp;
		}

	}

	/**
	 * How far one instance may count one key ahead of Redis. Its values are checked where the limits are built
	 * ({@link OtpLimits#from}), which names the key as ops write it; Bean Validation would name a nested field in its
	 * Java form ({@code hotKeys.sendGlobal.maxUnsynchronizedTokens}).
	 */
	public static class HotKey {

		/** Tokens an instance takes locally before it writes them to Redis; 0 asks Redis on every request. */
		private long maxUnsynchronizedTokens;

		/** Longest an instance goes without writing its tokens to Redis while the key is used; must be positive. */
		private Duration maxUnsynchronizedTime = Duration.ofSeconds(1);

		public HotKey() {
		}

		HotKey(long maxUnsynchronizedTokens) {
			this.maxUnsynchronizedTokens = maxUnsynchronizedTokens;
		}

		public long getMaxUnsynchronizedTokens() {
			return this.maxUnsynchronizedTokens;
		}

		public void setMaxUnsynchronizedTokens(long maxUnsynchronizedTokens) {
			this.maxUnsynchronizedTokens = maxUnsynchronizedTokens;
		}

		public Duration getMaxUnsynchronizedTime() {
			return this.maxUnsynchronizedTime;
		}

		public void setMaxUnsynchronizedTime(Duration maxUnsynchronizedTime) {
			this.maxUnsynchronizedTime = maxUnsynchronizedTime;
		}

	}

	/** Per-IP limits of one network. */
	public static class IpOverride {

		/** The network in CIDR notation, IPv4 or IPv6: 203.0.113.0/24, 2001:db8:1::/48, 198.51.100.7/32. */
		@NotNull
		private String network;

		/** Codes per client IP in this network instead of send-per-ip; empty exempts it; unset keeps send-per-ip. */
		private @Nullable List<Limit> sendPerIp;

		/** Failed verifications per client IP in this network; empty exempts it; unset keeps the default. */
		private @Nullable List<Limit> verifyFailuresPerIp;

		public String getNetwork() {
			return this.network;
		}

		public void setNetwork(String network) {
			this.network = network;
		}

		public @Nullable List<Limit> getSendPerIp() {
			return this.sendPerIp;
		}

		public void setSendPerIp(@Nullable List<Limit> sendPerIp) {
			this.sendPerIp = sendPerIp;
		}

		public @Nullable List<Limit> getVerifyFailuresPerIp() {
			return this.verifyFailuresPerIp;
		}

		public void setVerifyFailuresPerIp(@Nullable List<Limit> verifyFailuresPerIp) {
			this.verifyFailuresPerIp = verifyFailuresPerIp;
		}

	}

}
