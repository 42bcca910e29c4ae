package kz.cvety.otp;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import kz.cvety.otp.phone.PhoneMasker;
import kz.cvety.otp.sms.SmsFailure;
import kz.cvety.otp.sms.SmsMessage;
import kz.cvety.otp.sms.SmsSender;
import kz.cvety.otp.sms.SmsTextTemplate;
import kz.cvety.otp.store.AttemptReservation;
import kz.cvety.otp.store.CodeGenerator;
import kz.cvety.otp.store.OtpHasher;
import kz.cvety.otp.store.OtpStore;
import kz.cvety.otp.store.VerifyResult;
import kz.cvety.otp.token.VerificationTokenIssuer;

/**
 * Issues and verifies codes once a request is admitted: generate, store the HMAC, send the SMS (and remove the
 * code again if the provider certainly never received it); check and consume; sign the verification token.
 */
public final class OtpService {

	private static final Log logger = LogFactory.getLog(OtpService.class);

	private final OtpStore store;

	private final OtpHasher hasher;

	private final CodeGenerator codes;

	private final SmsSender sms;

	private final SmsTextTemplate text;

	private final VerificationTokenIssuer tokens;

	public OtpService(OtpStore store, OtpHasher hasher, CodeGenerator codes, SmsSender sms, SmsTextTemplate text,
			VerificationTokenIssuer tokens) {
		this.store = store;
		this.hasher = hasher;
		this.codes = codes;
		this.sms = sms;
		this.text = text;
		this.tokens = tokens;
	}

	/**
	 * Stores a new code for {@code phone} (replacing the old one) and sends it. If the send fails the error
	 * ({@code sms_unavailable}) propagates; the code is removed again unless the failure is
	 * {@link SmsFailure#UNCONFIRMED}: a message the provider may have taken may still arrive, and its code must
	 * then work.
	 */
	public Mono<Void> issue(OtpSettings policy, String phone) {
		boolean testNumber = policy.isTestNumber(phone);
		String code = testNumber ? policy.testNumbers().get(phone) : this.codes.next(policy.codeLength());
		long generation = this.codes.nextGeneration();
		Mono<Void> stored = this.store.issue(phone, this.hasher.codeHash(phone, code), generation, policy.ttl());
		if (testNumber) {
			return stored.doOnSuccess(done -> logger.info("OTP issued for test number " + PhoneMasker.mask(phone)
					+ " (no SMS)"));
		}
		SmsMessage message = new SmsMessage(phone, code, this.text.render(code, policy.ttl()));
		return stored.then(this.sms.send(message)).onErrorResume(ex -> (SmsFailure.of(ex) == SmsFailure.UNCONFIRMED)
				? Mono.error(ex) : discard(phone, generation).then(Mono.error(ex)));
	}

	private Mono<Void> discard(String phone, long generation) {
		return this.store.discard(phone, generation).then().onErrorResume(discardFailure -> {
			logger.warn("Could not remove the undelivered code for " + PhoneMasker.mask(phone)
					+ "; it expires by itself: " + discardFailure);
			return Mono.empty();
		});
	}

	/** Checks {@code code} against the phone's code the attempt was reserved for; deletes it on success. */
	public Mono<VerifyResult> verify(String phone, String code, AttemptReservation reservation) {
		return this.store.verify(phone, this.hasher.codeHash(phone, code), reservation.generation());
	}

	/** A signed verification token for a verified phone. */
	public String token(String phone) {
		return this.tokens.issue(phone);
	}

}
