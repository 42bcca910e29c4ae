package kz.cvety.edge.local;

import java.net.URI;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Profile;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * In the local profile, says where the gateway runs, which Redis it uses and how to try it, once it is ready.
 */
@Component
@Profile("local")
class LocalBanner implements ApplicationListener<ApplicationReadyEvent> {

	private static final Log logger = LogFactory.getLog(LocalBanner.class);

	private final Environment environment;

	private final ObjectProvider<LocalRedisServer> embeddedRedis;

	private final ObjectProvider<DataRedisConnectionDetails> redis;

	LocalBanner(Environment environment, ObjectProvider<LocalRedisServer> embeddedRedis,
			ObjectProvider<DataRedisConnectionDetails> redis) {
		this.environment = environment;
		this.embeddedRedis = embeddedRedis;
		this.redis = redis;
	}

	@Override
	public void onApplicationEvent(ApplicationReadyEvent event) {
		String port = this.environment.getProperty("local.server.port", "8080");
		String url = "http://localhost:" + port;
		logger.info(String.join(System.lineSeparator(), "", "",
				"  Cvety Edge is running (local profile) at " + url,
				"  Redis:   " + redisInUse(),
				"  SMS:     " + smsSender(),
				"  Backend: " + this.environment.getProperty("cvety.backend-url"),
				"  Try:",
				"    curl -s -X POST " + url + "/api/auth/request-otp -H 'Content-Type: application/json' "
						+ "-d '{\"phone\": \"+77771234567\"}'",
				"    curl -s -X POST " + url + "/api/auth/verify-otp -H 'Content-Type: application/json' "
						+ "-d '{\"phone\": \"+77771234567\", \"otp_code\": \"<code from the console>\"}'",
				"    curl -s " + url + "/actuator/health", ""));
	}

	// The local profile logs codes, but a profile added to it (loadtest) may send them to a webhook instead.
	private String smsSender() {
		if ("webhook".equalsIgnoreCase(this.environment.getProperty("cvety.otp.sms.provider"))) {
			// Host and port only: webhook URLs often carry the provider's credentials.
			URI webhook = URI.create(this.environment.getProperty("cvety.otp.sms.webhook-url", "").trim());
			return "webhook at " + webhook.getHost() + ((webhook.getPort() != -1) ? ":" + webhook.getPort() : "")
					+ ": codes are sent there";
		}
		return "log sender: codes are printed in this console, never sent";
	}

	private String redisInUse() {
		LocalRedisServer embedded = this.embeddedRedis.getIfAvailable();
		if (embedded != null) {
			return "embedded redis-server on 127.0.0.1:" + embedded.port() + " (data is not kept)";
		}
		DataRedisConnectionDetails details = this.redis.getIfAvailable();
		if (details != null && details.getStandalone() != null) {
			return details.getStandalone().getHost() + ":" + details.getStandalone().getPort();
		}
		return "configured by spring.data.redis.*";
	}

}
