package kz.cvety.otp.sms;

import java.net.URI;
import java.time.Duration;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

import kz.cvety.otp.resilience.CircuitBreakerSettings;

/**
 * Which SMS provider delivers codes and how patiently: the {@code log} sender (local profile only) or the
 * {@code webhook} sender behind a timeout, one retry on connection failure and a circuit breaker.
 */
@ConfigurationProperties(SmsProperties.PREFIX)
@Validated
public class SmsProperties extends CircuitBreakerSettings {

	/** Property prefix. */
	public static final String PREFIX = "cvety.otp.sms";

	/** The SMS provider: webhook (production) or log (prints the code; local profile only). */
	@NotNull
	private Provider provider = Provider.WEBHOOK;

	/** URL the webhook sender POSTs {"phone","code","text"} to; any 2xx means delivered. */
	private @Nullable URI webhookUrl;

	/** SMS text; {code} and {minutes} are filled in. */
	@NotNull
	private String text = SmsTextTemplate.DEFAULT;

	/** Host of the site that asks for codes, e.g. cvety.kz: ends the text with the WebOTP line "@host #code". */
	@Pattern(regexp = "(?:" + SmsTextTemplate.HOST_NAME + ")?", message = SmsTextTemplate.ORIGIN_RULE)
	private @Nullable String origin;

	/** The Android app's 11-character SMS Retriever hash, sent on a line of its own so the app reads the code. */
	@Pattern(regexp = "(?:" + SmsTextTemplate.APP_HASH + ")?", message = SmsTextTemplate.APP_HASH_RULE)
	private @Nullable String androidAppHash;

	/** Longest wait for the provider's answer per attempt. */
	@NotNull
	private Duration timeout = Duration.ofSeconds(5);

	/** Longest wait to connect to the provider (must be shorter than the timeout, so one retry fits). */
	@NotNull
	private Duration connectTimeout = Duration.ofSeconds(2);

	/** Retry-After announced when a send failed while the circuit is still closed. */
	@NotNull
	private Duration retryAfter = Duration.ofSeconds(5);

	public SmsProperties() {
		super(Duration.ofSeconds(30));
	}

	public Provider getProvider() {
		return this.provider;
	}

	public void setProvider(Provider provider) {
		this.provider = provider;
	}

	public @Nullable URI getWebhookUrl() {
		return this.webhookUrl;
	}

	public void setWebhookUrl(@Nullable URI webhookUrl) {
		this.webhookUrl = webhookUrl;
	}

	public String getText() {
		return this.text;
	}

	public void setText(String text) {
		this.text = text;
	}

	public @Nullable String getOrigin() {
		return this.origin;
	}

	public void setOrigin(@Nullable String origin) {
		this.origin = origin;
	}

	public @Nullable String getAndroidAppHash() {
		return this.androidAppHash;
	}

	public void setAndroidAppHash(@Nullable String androidAppHash) {
		this.androidAppHash = androidAppHash;
	}

	public Duration getTimeout() {
		return this.timeout;
	}

	public void setTimeout(Duration timeout) {
		this.timeout = timeout;
	}

	public Duration getConnectTimeout() {
		return this.connectTimeout;
	}

	public void setConnectTimeout(Duration connectTimeout) {
		this.connectTimeout = connectTimeout;
	}

	public Duration getRetryAfter() {
		return this.retryAfter;
	}

	public void setRetryAfter(Duration retryAfter) {
		this.retryAfter = retryAfter;
	}

	/** The resilience settings of the webhook sender. */
	public ResilientSmsSender.Settings resilience() {
		return new ResilientSmsSender.Settings(this.timeout, Duration.ofMillis(200), getFailureRateThreshold(),
				getSlidingWindowSize(), getMinimumNumberOfCalls(), getWaitDurationInOpenState(), 3, this.retryAfter);
	}

	/** SMS providers. */
	public enum Provider {

		/** Logs the code instead of sending it: for a developer's machine only. */
		LOG,

		/** POSTs to {@code cvety.otp.sms.webhook-url}. */
		WEBHOOK

	}

}
