package kz.cvety.otp.sms;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import kz.cvety.otp.phone.PhoneMasker;

/**
 * Writes the code to the log instead of sending an SMS, so a developer can log in on the {@code local}
 * profile. The only class that ever logs a code: never use it where real customers log in.
 */
public final class LogSmsSender implements SmsSender {

	private static final Log logger = LogFactory.getLog(LogSmsSender.class);

	@Override
	public Mono<Void> send(SmsMessage message) {
		return Mono.fromRunnable(() -> logger.info(
				"SMS (log sender, local only) to " + PhoneMasker.mask(message.phone()) + ": code " + message.code()));
	}

}
