package kz.cvety.otp.web;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.http.server.reactive.ServerHttpRequest;

import kz.cvety.otp.OtpOutcomes;
import kz.cvety.otp.OtpService;
import kz.cvety.otp.OtpSettings;
import kz.cvety.otp.admission.IpOverrides;
import kz.cvety.otp.admission.OtpAdmission;
import kz.cvety.otp.admission.OtpLimits;
import kz.cvety.otp.client.ClientIpResolver.ClientIp;
import kz.cvety.otp.pumping.PumpingPolicy;
import kz.cvety.otp.ratelimit.Limit;
import kz.cvety.otp.ratelimit.NamedLimit;
import kz.cvety.otp.store.OtpKeys;

/**
 * The start-up warm-up's requests through the instance's own HTTP server, and the throwaway parts they run on.
 * A warm-up request carries {@link #HEADER} with a secret made for this start (32 random bytes, compared in
 * constant time, never logged, never sent anywhere but to this process's own port); it is recognised only until
 * the warm-up ends ({@link #close()}), and then runs on keys under the warm-up segment, under limits of its own,
 * with an SMS provider of its own on loopback (or a sender that sends nothing) and tokens signed with a throwaway
 * key. Once the warm-up is over the header means nothing: a request carrying it is a customer's request like any
 * other.
 */
public final class WarmUpTraffic implements AutoCloseable {

	/** Header that marks a warm-up request. */
	public static final String HEADER = "X-Cvety-Warm-Up";

	private static final Duration CODE_TTL = Duration.ofSeconds(10);

	private final Throwaway throwaway;

	private final String secret;

	private final byte[] secretBytes;

	private final Set<String> keys = ConcurrentHashMap.newKeySet();

	private volatile boolean open = true;

	private final WarmUpWindow window;

	private volatile @Nullable Derived derived;

	public WarmUpTraffic(Throwaway throwaway) {
		this(throwaway, new WarmUpWindow());
	}

	/** @param window told when the warm-up ends */
	public WarmUpTraffic(Throwaway throwaway, WarmUpWindow window) {
		this.throwaway = throwaway;
		this.window = window;
		byte[] random = new byte[32];
		new SecureRandom().nextBytes(random);
		this.secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
		this.secretBytes = this.secret.getBytes(StandardCharsets.US_ASCII);
	}

	/** Whether {@code request} is one of the warm-up's own, sent while the warm-up runs. */
	public boolean carries(ServerHttpRequest request) {
		if (!this.open) {
			return false;
		}
		String value = request.getHeaders().getFirst(HEADER);
		return value != null && MessageDigest.isEqual(value.getBytes(StandardCharsets.US_ASCII), this.secretBytes);
	}

	/** The throwaway parts warm-up requests run on. */
	public Throwaway throwaway() {
		return this.throwaway;
	}

	/**
	 * The settings warm-up requests run under: the real ones (phone regions, client addresses, code length) with
	 * limits of their own, so a pass's third send is refused by its phone's limit and nothing else ever refuses.
	 */
	public OtpSettings settings(OtpSettings real) {
		Derived current = this.derived;
		if (current == null || current.real() != real) {
			current = new Derived(real, throwawaySettings(real));
			this.derived = current;
		}
		return current.throwaway();
	}

	/** Notes the keys a warm-up send or verification for {@code phone} from {@code client} may write. */
	public void touched(OtpSettings settings, String phone, ClientIp client) {
		OtpKeys names = this.throwaway.keys();
		this.keys.add(names.code(phone));
		this.keys.add(names.sendPerPhone(phone));
		this.keys.add(names.verifyFailuresPerPhone(phone));
		this.keys.add(names.sendPerPrefix(settings.limits().rangeOf(phone)));
		this.keys.add(names.sendPerIp(client.limitKey()));
		this.keys.add(names.verifyFailuresPerIp(client.limitKey()));
		this.keys.add(names.sendGlobal());
		for (PumpingPolicy.Target target : settings.pumping().targetsOf(phone, settings.limits().prefixSuffixDigits())) {
			this.keys.add(names.pumping(target.scope().tag(), target.value()));
		}
	}

	/** When the warm-up ended. */
	WarmUpWindow window() {
		return this.window;
	}

	/** Every key noted so far. */
	Set<String> touchedKeys() {
		return Set.copyOf(this.keys);
	}

	/** The header value of this start's warm-up requests; only the warm-up itself sends it. */
	String secret() {
		return this.secret;
	}

	/** Marks the warm-up begun: spans started from now until {@link #close()} are not exported. */
	void open() {
		this.window.begin();
	}

	/**
	 * Ends recognition of warm-up requests for good, and releases what the throwaway parts hold (its SMS sink, its
	 * decision lines' sink).
	 */
	@Override
	public void close() {
		this.open = false;
		this.window.end();
		WarmUpSmsSink sms = this.throwaway.sms();
		if (sms != null) {
			sms.close();
		}
		if (this.throwaway.outcomes() instanceof AutoCloseable outcomes) {
			try {
				outcomes.close();
			}
			catch (Exception ex) {
				throw new IllegalStateException("Could not close the warm-up's outcome records", ex);
			}
		}
	}

	private static OtpSettings throwawaySettings(OtpSettings real) {
		OtpLimits own = real.limits();
		OtpLimits limits = new OtpLimits(like(own.sendPerPhone(), "2/1m"), like(own.sendPerPrefix(), "1000000/1m"),
				like(own.sendPerIp(), "1000000/1m"), like(own.sendGlobal(), "1000000/1m"),
				like(own.verifyFailuresPerPhone(), "1000/1m"), like(own.verifyFailuresPerIp(), "1000000/1m"),
				own.prefixSuffixDigits(), false, IpOverrides.NONE);
		// Sends count for the guard as a customer's do (on throwaway keys), but never enough to judge a scope: a
		// warm-up verifies none of its codes.
		PumpingPolicy guard = real.pumping();
		PumpingPolicy pumping = new PumpingPolicy(guard.enabled(), guard.window(), Integer.MAX_VALUE,
				guard.minConversion(), guard.blockFor(), guard.scopes(), guard.homeRegion());
		// No test numbers: the code takes the SMS path, to the warm-up's own sender; no hand-off to the backend.
		return new OtpSettings(real.codeLength(), CODE_TTL, real.maxAttempts(), real.maxBodyBytes(), real.clientIps(),
				Map.of(), false, real.phones(), limits, pumping);
	}

	/**
	 * {@code real} with the quota {@code limit}: its refill and how far it is counted ahead of Redis stay, so the
	 * warm-up runs the same bucket paths (a hot key's local counting among them).
	 */
	private static NamedLimit like(NamedLimit real, String limit) {
		return new NamedLimit(real.name(), List.of(Limit.valueOf(limit)), real.refill(), real.sync());
	}

	private record Derived(OtpSettings real, OtpSettings throwaway) {
	}

	/**
	 * The OTP path's parts on throwaway keys, of the same classes as a customer's: admission with its own limiter,
	 * cached refusals and Redis circuit (a slow warm-up never opens the real one), a service whose SMS never leaves
	 * the process and whose tokens no backend accepts, outcome records that write and count nowhere anyone reads.
	 *
	 * @param admission admission on throwaway keys
	 * @param service the OTP service on throwaway keys, sending no SMS to any provider
	 * @param keys the throwaway keys, under the key prefix and {@link OtpWarmUp#KEY_SEGMENT}
	 * @param delete deletes one key
	 * @param outcomes hears how warm-up requests ended, telling no log and no scraped meter
	 * @param sms the SMS provider the service sends to, closed with the warm-up; null when it sends nothing
	 */
	public record Throwaway(OtpAdmission admission, OtpService service, OtpKeys keys,
			Function<String, Mono<Boolean>> delete, OtpOutcomes outcomes, @Nullable WarmUpSmsSink sms) {

		/** Parts recording no outcome, whose service sends to no sink. */
		public Throwaway(OtpAdmission admission, OtpService service, OtpKeys keys,
				Function<String, Mono<Boolean>> delete) {
			this(admission, service, keys, delete, OtpOutcomes.NONE, null);
		}

	}

}
