package kz.cvety.otp.sms;

import reactor.core.publisher.Mono;

/**
 * Delivers one OTP text message to a phone. The returned {@link Mono} completes empty once the provider
 * accepted the message and fails otherwise; nothing is sent before subscription.
 */
public interface SmsSender {

	Mono<Void> send(SmsMessage message);

}
