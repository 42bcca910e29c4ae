package kz.cvety.edge.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Ops' config files as tests write them into a gateway's additional config location, before a start or a
 * refresh.
 */
public final class ConfigFiles {

	private ConfigFiles() {
	}

	/**
	 * Writes {@code application.yml} in {@code folder} with {@code lines} under {@code cvety.otp.<section>}: more
	 * lines indented as the first (e.g. {@code "send-per-phone: [2/1m]\n      refill: interval"}).
	 */
	public static void writeOtpSection(Path folder, String section, String lines) throws IOException {
		Files.writeString(folder.resolve("application.yml"), """
				cvety:
				  otp:
				    %s:
				      %s
				""".formatted(section, lines));
	}

	/**
	 * Writes {@code application.yml} in {@code folder} with one route, {@code orders} ({@code /api/orders/**} to
	 * {@code backendUrl}), behind a {@code RateLimit} filter keyed by IP and given {@code args}: more argument
	 * lines, indented as the first (e.g. {@code limits: [2/1m]}).
	 */
	public static void writeRateLimitedRoute(Path folder, String backendUrl, String args) throws IOException {
		Files.writeString(folder.resolve("application.yml"), """
				spring:
				  cloud:
				    gateway:
				      server:
				        webflux:
				          routes:
				            - id: orders
				              uri: %s
				              predicates: [Path=/api/orders/**]
				              filters:
				                - name: RateLimit
				                  args:
				                    key: ip
				                    %s
				""".formatted(backendUrl, args));
	}

}
