package kz.cvety.edge;

import java.io.File;
import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.system.ApplicationHome;

import kz.cvety.edge.verify.VerifyRedisCommand;

/**
 * The Cvety Edge gateway. Routes and tunables come from {@code config/} (in the working directory or beside
 * the jar) over the copy packaged in the jar; the OTP feature comes from the {@code otp-filter} library.
 */
@SpringBootApplication
public class GatewayApplication {

	public static void main(String[] args) {
		if (VerifyRedisCommand.requested(args)) {
			System.exit(VerifyRedisCommand.run(defaultProperties(), args));
		}
		SpringApplication application = new SpringApplication(GatewayApplication.class);
		application.setDefaultProperties(defaultProperties());
		application.run(args);
	}

	/**
	 * Also reads {@code config/} beside the jar, so the jar and its config folder can be started from any
	 * directory. Spring Boot already reads {@code ./config/} of the working directory.
	 */
	static Map<String, Object> defaultProperties() {
		File home = new ApplicationHome(GatewayApplication.class).getDir();
		return Map.of("spring.config.additional-location",
				"optional:file:" + new File(home, "config").getAbsolutePath() + "/");
	}

}
