package kz.cvety.otp.pumping;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import kz.cvety.otp.phone.NumberRange;
import kz.cvety.otp.phone.NumberRegion;

/**
 * The pumping guard as the request path reads it: immutable, swapped whole on refresh. A scope is suspected when
 * it was sent at least {@code minSends} codes in the window and fewer than {@code minConversion} of them were verified:
 * a rule {@code pumping_count.lua} applies in Redis, as it counts each code.
 *
 * @param enabled whether the guard counts and refuses at all
 * @param window how far back sends and verifications count
 * @param minSends codes sent in the window before conversion is judged
 * @param minConversion verified per sent below which a scope is suspected
 * @param blockFor how long a suspected scope is refused codes
 * @param scopes what is counted: number ranges, regions
 * @param homeRegion the region never blocked: blocking it would refuse nearly every customer
 */
public record PumpingPolicy(boolean enabled, Duration window, int minSends, double minConversion, Duration blockFor,
		Set<PumpingScope> scopes, String homeRegion) {

	/** Limit name of the guard in answers, logs and metrics. */
	public static final String LIMIT_NAME = "pumping-guard";

	/** Steps the window is counted in: per-step counters summed over the window. */
	public static final int STEPS = 60;

	/** Shortest window: one-second steps. */
	public static final Duration MIN_WINDOW = Duration.ofSeconds(STEPS);

	/** A guard that counts and refuses nothing. */
	public static final PumpingPolicy OFF = new PumpingPolicy(false, Duration.ofHours(1), 1, 0, Duration.ofHours(1),
			Set.of(), "");

	public PumpingPolicy {
		scopes = Set.copyOf(scopes);
	}

	/** The policy of bound properties; {@code homeRegion} is {@code cvety.otp.default-region}. */
	public static PumpingPolicy from(PumpingProperties properties, String homeRegion) {
		return new PumpingPolicy(properties.isEnabled(), properties.getWindow(), properties.getMinSends(),
				properties.getMinConversion(), properties.getBlockFor(), properties.getScopes(), homeRegion);
	}

	/**
	 * The scopes {@code phone} (E.164) counts in, given the limits' range width; none when the guard is off. Its
	 * region counts unless it is the home region or libphonenumber knows none.
	 */
	public List<Target> targetsOf(String phone, int suffixDigits) {
		if (!this.enabled || this.scopes.isEmpty()) {
			return List.of();
		}
		List<Target> targets = new ArrayList<>(2);
		if (this.scopes.contains(PumpingScope.RANGE)) {
			targets.add(new Target(PumpingScope.RANGE, NumberRange.of(phone, suffixDigits)));
		}
		if (this.scopes.contains(PumpingScope.REGION)) {
			String region = NumberRegion.of(phone);
			if (region != null && !region.equalsIgnoreCase(this.homeRegion)) {
				targets.add(new Target(PumpingScope.REGION, region));
			}
		}
		return targets;
	}

	/** The length of one counting step: a sixtieth of the window, at least a second. */
	public Duration step() {
		return Duration.ofMillis(Math.max(1000, this.window.toMillis() / STEPS));
	}

	/** Steps in the window, the current one included. */
	public int steps() {
		long step = step().toMillis();
		return (int) ((this.window.toMillis() + step - 1) / step);
	}

	/**
	 * One scope a phone counts in.
	 *
	 * @param scope range or region
	 * @param value the range ({@code +7701555}) or region code ({@code UZ})
	 */
	public record Target(PumpingScope scope, String value) {

		/** How logs show it: a range with its dropped digits as {@code x}, a region as its code. */
		public String describe(int suffixDigits) {
			return (this.scope == PumpingScope.RANGE) ? "range " + this.value + "x".repeat(suffixDigits)
					: "region " + this.value;
		}

	}

}
