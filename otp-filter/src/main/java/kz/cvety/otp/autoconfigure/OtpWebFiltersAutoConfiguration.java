package kz.cvety.otp.autoconfigure;

import java.time.Duration;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;

import kz.cvety.otp.web.OriginalRequestUrlFilter;
import kz.cvety.otp.web.PathGuardFilter;
import kz.cvety.otp.web.ProblemExceptionHandler;
import kz.cvety.otp.web.RequestIdFilter;
import kz.cvety.otp.web.RequestIdHeadersFilter;
import kz.cvety.otp.web.VerificationHeaderStripFilter;

/**
 * The web filters the OTP routes rely on in any gateway: problem answers for every error, the verification
 * header strip, the path guard, the client's path kept across forwards and the request id. Each backs off for a
 * bean of the application's own.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
public final class OtpWebFiltersAutoConfiguration {

	/** The switch of the request-id filters: an application with its own request ids turns them off. */
	static final String REQUEST_ID_PREFIX = "cvety.otp.request-id";

	/** {@code Retry-After} for an unavailable backend when the application says nothing of its circuit breaker. */
	static final Duration DEFAULT_BACKEND_RETRY_AFTER = Duration.ofSeconds(10);

	@Bean
	@ConditionalOnMissingBean
	ProblemExceptionHandler problemExceptionHandler() {
		return new ProblemExceptionHandler(DEFAULT_BACKEND_RETRY_AFTER);
	}

	@Bean
	@ConditionalOnMissingBean
	VerificationHeaderStripFilter verificationHeaderStripFilter() {
		return new VerificationHeaderStripFilter();
	}

	@Bean
	@ConditionalOnMissingBean
	PathGuardFilter pathGuardFilter() {
		return new PathGuardFilter();
	}

	@Bean
	@ConditionalOnMissingBean
	OriginalRequestUrlFilter originalRequestUrlFilter() {
		return new OriginalRequestUrlFilter();
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnProperty(prefix = REQUEST_ID_PREFIX, name = "enabled", matchIfMissing = true)
	RequestIdFilter requestIdFilter() {
		return new RequestIdFilter();
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnProperty(prefix = REQUEST_ID_PREFIX, name = "enabled", matchIfMissing = true)
	RequestIdHeadersFilter requestIdHeadersFilter() {
		return new RequestIdHeadersFilter();
	}

}
