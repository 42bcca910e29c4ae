package kz.cvety.otp.pumping;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * The SMS-pumping guard: a number range or region that receives many codes and verifies few of them is refused
 * further codes for a while. {@code POST /actuator/refresh} applies changes without a restart.
 */
@ConfigurationProperties(PumpingProperties.PREFIX)
@Validated
public class PumpingProperties {

	/** Property prefix. */
	public static final String PREFIX = "cvety.otp.pumping";

	/** Whether the guard counts and refuses at all. */
	private boolean enabled = true;

	/** How far back sends and verifications are counted (at least 1m; counted in 60 steps). */
	@NotNull
	private Duration window = Duration.ofHours(6);

	/** Codes a scope must have been sent in the window before its conversion is judged. */
	@Min(value = 1, message = "must be at least 1")
	private int minSends = 20;

	/** Verified codes per sent code below which a scope is suspected (0 to 1). */
	@DecimalMin(value = "0.0", message = "must be from 0 to 1")
	@DecimalMax(value = "1.0", message = "must be from 0 to 1")
	private double minConversion = 0.2;

	/** How long a suspected scope is refused codes (at least 1s). */
	@NotNull
	private Duration blockFor = Duration.ofHours(3);

	/** The scopes counted: range, region (the home region, cvety.otp.default-region, is never blocked). */
	@NotNull
	private Set<PumpingScope> scopes = EnumSet.of(PumpingScope.RANGE, PumpingScope.REGION);

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Duration getWindow() {
		return this.window;
	}

	public void setWindow(Duration window) {
		this.window = window;
	}

	public int getMinSends() {
		return this.minSends;
	}

	public void setMinSends(int minSends) {
		this.minSends = minSends;
	}

	public double getMinConversion() {
		return this.minConversion;
	}

	public void setMinConversion(double minConversion) {
		this.minConversion = minConversion;
	}

	public Duration getBlockFor() {
		return this.blockFor;
	}

	public void setBlockFor(Duration blockFor) {
		this.blockFor = blockFor;
	}

	public Set<PumpingScope> getScopes() {
		return this.scopes;
	}

	public void setScopes(Set<PumpingScope> scopes) {
		this.scopes = scopes;
	}

}
