package kz.cvety.otp.metrics;

import java.time.Duration;

import reactor.core.publisher.Mono;

import kz.cvety.otp.sms.SmsMessage;
import kz.cvety.otp.sms.SmsSender;

/**
 * Records the latency and outcome of every SMS send, retries included, in {@link OtpMetrics}.
 */
public final class TimedSmsSender implements SmsSender {

	private final SmsSender delegate;

	private final OtpMetrics metrics;

	public TimedSmsSender(SmsSender delegate, OtpMetrics metrics) {
		this.delegate = delegate;
		this.metrics = metrics;
	}

	@Override
	public Mono<Void> send(SmsMessage message) {
		return Mono.defer(() -> {
			long started = System.nanoTime();
			return this.delegate.send(message)
				.doOnSuccess(done -> this.metrics.smsSent(Duration.ofNanos(System.nanoTime() - started), true))
				.doOnError(ex -> this.metrics.smsSent(Duration.ofNanos(System.nanoTime() - started), false));
		});
	}

}
