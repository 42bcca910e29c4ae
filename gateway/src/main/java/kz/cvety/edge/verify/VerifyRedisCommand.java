package kz.cvety.edge.verify;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import kz.cvety.edge.local.LocalRedisConfiguration;
import kz.cvety.otp.store.OtpStore;
import kz.cvety.otp.store.RedisVerifier;

/**
 * {@code java -jar gateway.jar --verify-redis}: checks the configured Redis with the gateway's own settings
 * and Lua scripts, prints each step, and exits 0 when Redis is fit for the gateway, 1 otherwise.
 */
public final class VerifyRedisCommand {

	/** The command-line flag. */
	public static final String FLAG = "--verify-redis";

	private VerifyRedisCommand() {
	}

	public static boolean requested(String[] args) {
		return Arrays.asList(args).contains(FLAG);
	}

	/**
	 * Runs the check with the application's configuration (profiles, config/, environment) but no web server.
	 * @return the process exit code
	 */
	public static int run(Map<String, Object> defaults, String[] args) {
		PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out),
				StandardCharsets.UTF_8), true);
		SpringApplication spring = new SpringApplication(RedisOnly.class);
		spring.setWebApplicationType(WebApplicationType.NONE);
		spring.setBannerMode(Banner.Mode.OFF);
		spring.setLogStartupInfo(false);
		spring.setDefaultProperties(defaults);
		// The steps go to stdout; the log keeps to warnings (over config/'s levels: this process does nothing else).
		System.setProperty("logging.level.root", "WARN");
		System.setProperty("logging.level.kz.cvety", "WARN");
		String[] springArgs = Arrays.stream(args).filter(arg -> !FLAG.equals(arg)).toArray(String[]::new);
		try (ConfigurableApplicationContext context = spring.run(springArgs)) {
			ReactiveStringRedisTemplate redis = context.getBean(ReactiveStringRedisTemplate.class);
			String target = describe(context.getBean(DataRedisConnectionDetails.class));
			RedisVerifier verifier = new RedisVerifier(redis, OtpStore.Scripts.fromResources(), target);
			// A command-line run on the main thread, not the event loop: waiting for the result is the point.
			boolean fit = verifier.verify(out).toFuture().get(2, TimeUnit.MINUTES);
			return fit ? 0 : 1;
		}
		catch (Exception ex) {
			out.println("FAIL  " + ex.getClass().getSimpleName() + ": " + ex.getMessage());
			out.println("Redis is NOT fit for Cvety Edge.");
			return 1;
		}
	}

	/** Redis and, in the local profile, the embedded server; nothing of the gateway. */
	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ DataRedisAutoConfiguration.class, DataRedisReactiveAutoConfiguration.class })
	@Import(LocalRedisConfiguration.class)
	static class RedisOnly {

	}

	static String describe(DataRedisConnectionDetails details) {
		if (details.getCluster() != null) {
			return "cluster " + details.getCluster().getNodes();
		}
		if (details.getSentinel() != null) {
			return "sentinel master '" + details.getSentinel().getMaster() + "' via " + details.getSentinel().getNodes();
		}
		if (details.getStandalone() != null) {
			return details.getStandalone().getHost() + ":" + details.getStandalone().getPort()
					+ ((details.getPassword() != null) ? " (with password)" : "");
		}
		return "(unknown)";
	}

}
