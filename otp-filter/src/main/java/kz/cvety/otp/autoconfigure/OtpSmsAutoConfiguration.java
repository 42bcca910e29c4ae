package kz.cvety.otp.autoconfigure;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.netty.channel.ChannelOption;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

import kz.cvety.otp.autoconfigure.UnsafeConfigurationException;
import kz.cvety.otp.metrics.OtpMetrics;
import kz.cvety.otp.metrics.TimedSmsSender;
import kz.cvety.otp.sms.LogSmsSender;
import kz.cvety.otp.sms.ResilientSmsSender;
import kz.cvety.otp.sms.SmsProperties;
import kz.cvety.otp.sms.SmsSender;
import kz.cvety.otp.sms.SmsTextTemplate;
import kz.cvety.otp.sms.WebhookSmsSender;
import kz.cvety.otp.support.OtpObservations;

/**
 * The SMS sender: the webhook behind its time limit, retry and circuit breaker, or the log sender for
 * development; the text template with its auto-fill lines.
 */
@AutoConfiguration(after = { OtpCircuitBreakerAutoConfiguration.class, OtpStoreAutoConfiguration.class,
		OtpMetricsAutoConfiguration.class })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({ GatewayFilter.class, ReactiveStringRedisTemplate.class, LettuceConnectionFactory.class,
		io.github.bucket4j.redis.lettuce.Bucket4jLettuce.class })
@ConditionalOnBean(ReactiveStringRedisTemplate.class)
@EnableConfigurationProperties(SmsProperties.class)
public final class OtpSmsAutoConfiguration {

	private static final Log logger = LogFactory.getLog(OtpSmsAutoConfiguration.class);

	@Bean
	@ConditionalOnMissingBean
	SmsTextTemplate otpSmsTextTemplate(SmsProperties sms) {
		return new SmsTextTemplate(sms.getText(), sms.getOrigin(), sms.getAndroidAppHash());
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnProperty(prefix = SmsProperties.PREFIX, name = "provider", havingValue = "webhook",
			matchIfMissing = true)
	ResilientSmsSender otpWebhookSmsSender(SmsProperties sms, CircuitBreakerRegistry circuitBreakers) {
		if (sms.getWebhookUrl() == null || sms.getWebhookUrl().toString().isBlank()) {
			throw new UnsafeConfigurationException("cvety.otp.sms.webhook-url", "is not set (OTP_SMS_WEBHOOK_URL)",
					"Set OTP_SMS_WEBHOOK_URL to the SMS provider's webhook, or cvety.otp.sms.provider=log on a "
							+ "developer machine.");
		}
		if (sms.getConnectTimeout().compareTo(sms.getTimeout()) >= 0) {
			throw new UnsafeConfigurationException("cvety.otp.sms.connect-timeout",
					"(" + sms.getConnectTimeout() + ") must be shorter than cvety.otp.sms.timeout (" + sms.getTimeout()
							+ ")",
					"Lower cvety.otp.sms.connect-timeout so a refused connection can be retried within the timeout.");
		}
		return new ResilientSmsSender(new WebhookSmsSender(webhookClient(sms, HttpClient.create()), sms.getWebhookUrl()),
				sms.resilience(),
				OwnCircuitBreakers.requireUnmade(circuitBreakers, ResilientSmsSender.NAME, SmsProperties.PREFIX + ".*"));
	}

	/** The webhook's client: {@code httpClient} with the configured connect timeout. */
	static WebClient webhookClient(SmsProperties sms, HttpClient httpClient) {
		HttpClient connecting = httpClient.option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
				(int) sms.getConnectTimeout().toMillis());
		return WebClient.builder().clientConnector(new ReactorClientHttpConnector(connecting)).build();
	}

	@Bean
	@Primary
	@ConditionalOnMissingBean(name = "otpSmsSender")
	SmsSender otpSmsSender(ObjectProvider<ResilientSmsSender> webhook, ObjectProvider<OtpMetrics> metrics,
			OtpObservations observations) {
		SmsSender sender = webhook.getIfAvailable();
		if (sender == null) {
			logger.warn("SMS provider is 'log': codes are printed to the log, not sent (local development only)");
			sender = new LogSmsSender();
		}
		return timedAndObserved(sender, metrics.getIfAvailable(), observations);
	}

	/** {@code sender} timed in {@code meters}, if any, and observed. */
	static SmsSender timedAndObserved(SmsSender sender, @Nullable OtpMetrics meters, OtpObservations observations) {
		SmsSender timed = (meters != null) ? new TimedSmsSender(sender, meters) : sender;
		// Observed outermost, so the send is timed while its span is current (the trace id of the timer's exemplar).
		return message -> observations.sms(timed.send(message));
	}

}
