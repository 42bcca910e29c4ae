package kz.cvety.otp.sms;

import reactor.core.publisher.Mono;

/**
 * Delivers one OTP text message to a phone. The returned {@link Mono} completes empty once the provider
 * accepted the message and fails otherwise; nothing is sent before subscription. A failure counts as never
 * received (send refunded, code removed) unless it carries an {@link SmsSendException} saying otherwise.
 */
public interface SmsSender {

	Mono<Void> send(SmsMessage message);

}
