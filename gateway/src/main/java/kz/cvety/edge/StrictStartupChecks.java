package kz.cvety.edge;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

import kz.cvety.otp.autoconfigure.Secrets;
import kz.cvety.otp.autoconfigure.UnsafeConfigurationException;

/**
 * With {@code cvety.strict=true} (the prod profile), refuses to start on settings that are only fit for a
 * developer's machine: a profile of {@code config/} made for a developer or a load test, no Redis, the log SMS
 * sender, missing, short or dev-only secrets, test numbers not explicitly allowed, and fail-open Redis on OTP
 * routes. Runs before any bean is created, so the first refusal is the one reported, as one line naming the key.
 */
public class StrictStartupChecks implements BeanFactoryPostProcessor {

	/** Secrets containing this marker are development values; the local profile's secrets carry it. */
	public static final String DEV_SECRET_MARKER = "dev-only";

	/**
	 * The profiles of {@code config/} that are never fit for customers, and why: each outranks the prod profile's
	 * settings where it sets the same key.
	 */
	private static final Map<String, String> NOT_FOR_CUSTOMERS = Map.of(
			"local", "the developer setup (embedded Redis, the log SMS sender, dev secrets)",
			"loadtest", "the load tests' (it trusts X-Forwarded-For from anyone, SMS go to the simulation's sink)",
			"bench", "the benchmark's (limits out of reach, SMS to 127.0.0.1, secrets published in the repository)");

	private static final int MIN_SECRET_BYTES = 32;

	private static final List<String> REDIS_KEYS = List.of("spring.data.redis.url", "spring.data.redis.host",
			"spring.data.redis.cluster.nodes", "spring.data.redis.sentinel.nodes");

	private final Environment environment;

	public StrictStartupChecks(Environment environment) {
		this.environment = environment;
	}

	@Override
	public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
		check();
	}

	/** Runs every check; throws {@link UnsafeConfigurationException} on the first failure. */
	public void check() {
		checkProfiles();
		checkRedisConfigured();
		checkSecret("cvety.otp.hash-secret", "OTP_HASH_SECRET");
		checkSecret("cvety.otp.token-secret", "OTP_TOKEN_SECRET");
		checkSmsProvider();
		checkTestNumbers();
		checkFailMode();
	}

	private void checkProfiles() {
		for (String profile : this.environment.getActiveProfiles()) {
			String what = NOT_FOR_CUSTOMERS.get(profile.trim().toLowerCase(Locale.ROOT));
			if (what != null) {
				throw new UnsafeConfigurationException("spring.profiles.active",
						"includes '" + profile + "', " + what + ", which is never for customers",
						"Start production with the prod profile alone (SPRING_PROFILES_ACTIVE=prod).");
			}
		}
	}

	private void checkRedisConfigured() {
		boolean configured = REDIS_KEYS.stream().anyMatch(key -> StringUtils.hasText(this.environment.getProperty(key)));
		if (!configured) {
			throw new UnsafeConfigurationException("spring.data.redis.url",
					"no Redis is configured (set REDIS_URL, e.g. redis://default:password@host:6379)",
					"Set REDIS_URL (or spring.data.redis.url, or cluster/sentinel nodes) to the shared Redis. "
							+ "OTP state must live in Redis so that every instance sees it.");
		}
	}

	private void checkSecret(String key, String variable) {
		String secret = Secrets.require(key, variable, this.environment.getProperty(key), "");
		if (secret.toLowerCase(Locale.ROOT).contains(DEV_SECRET_MARKER)) {
			throw new UnsafeConfigurationException(key, "is a development secret",
					"Set " + variable + " to at least " + Secrets.MIN_BYTES
							+ " random bytes, e.g. the output of: openssl rand -base64 48");
		}
	}

	private void checkSmsProvider() {
		String provider = this.environment.getProperty("cvety.otp.sms.provider", "webhook");
		if ("log".equalsIgnoreCase(provider.trim())) {
			throw new UnsafeConfigurationException("cvety.otp.sms.provider",
					"is 'log', which prints codes instead of sending them",
					"Use cvety.otp.sms.provider=webhook with OTP_SMS_WEBHOOK_URL in production.");
		}
	}

	private void checkTestNumbers() {
		Map<String, String> testNumbers = Binder.get(this.environment)
			.bind("cvety.otp.test-numbers", Bindable.mapOf(String.class, String.class))
			.orElse(Map.of());
		boolean allowed = Binder.get(this.environment).bind("cvety.otp.allow-test-numbers", Boolean.class).orElse(false);
		if (!testNumbers.isEmpty() && !allowed) {
			throw new UnsafeConfigurationException("cvety.otp.test-numbers",
					testNumbers.size() + " test number(s) get fixed codes, and cvety.otp.allow-test-numbers is not set",
					"Remove the test numbers, or set cvety.otp.allow-test-numbers=true if production really needs them.");
		}
	}

	private void checkFailMode() {
		String failMode = this.environment.getProperty("cvety.otp.redis.fail-mode", "closed");
		if ("open".equalsIgnoreCase(failMode.trim())) {
			throw new UnsafeConfigurationException("cvety.otp.redis.fail-mode",
					"is 'open': OTP routes would admit every request while Redis is down",
					"Use cvety.otp.redis.fail-mode=closed; fail-open is only for limits on ordinary proxied routes.");
		}
	}

}
