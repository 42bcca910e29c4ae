package kz.cvety.edge.support;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One gateway and the SMS sink it sends to, shared by a test class: registered as a static
 * {@code @RegisterExtension} field, started (after the JVM's warm-up) before the class's tests and closed after them.
 */
public final class SmsGateway implements BeforeAllCallback, AfterAllCallback {

	private final Map<String, String> overrides;

	private SmsSink sms;

	private GatewayInstance gateway;

	private SmsGateway(Map<String, String> overrides) {
		this.overrides = overrides;
	}

	/** A gateway started as {@link GatewayInstance#start(String, Map)} with {@code overrides}. */
	public static SmsGateway withSettings(Map<String, String> overrides) {
		return new SmsGateway(Collections.unmodifiableMap(new LinkedHashMap<>(overrides)));
	}

	@Override
	public void beforeAll(ExtensionContext context) {
		OtpApi.warmUpJvm();
		this.sms = new SmsSink();
		this.gateway = GatewayInstance.start(this.sms.url(), this.overrides);
	}

	@Override
	public void afterAll(ExtensionContext context) {
		if (this.gateway != null) {
			this.gateway.close();
		}
		if (this.sms != null) {
			this.sms.close();
		}
	}

	public SmsSink sms() {
		return this.sms;
	}

	public GatewayInstance gateway() {
		return this.gateway;
	}

	public String url() {
		return this.gateway.url();
	}

	public String keyPrefix() {
		return this.gateway.keyPrefix();
	}

}
