package kz.cvety.otp.web;

import org.jspecify.annotations.Nullable;

/**
 * An OTP request body as read once by the admission filter: the raw fields and the raw bytes (for a hand-off
 * to the backend).
 *
 * @param phone the {@code phone} member as sent
 * @param otpCode the {@code otp_code} member as sent, for verify requests
 * @param body the request body, at most the configured size
 */
public record OtpRequest(String phone, @Nullable String otpCode, byte[] body) {

}
