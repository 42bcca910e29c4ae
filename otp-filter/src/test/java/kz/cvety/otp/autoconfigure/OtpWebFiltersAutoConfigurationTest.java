package kz.cvety.otp.autoconfigure;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import kz.cvety.otp.web.PathGuardFilter;
import kz.cvety.otp.web.ProblemExceptionHandler;
import kz.cvety.otp.web.RequestIdFilter;
import kz.cvety.otp.web.RequestIdHeadersFilter;
import kz.cvety.otp.web.VerificationHeaderStripFilter;

import static org.assertj.core.api.Assertions.assertThat;

class OtpWebFiltersAutoConfigurationTest {

	private final ReactiveWebApplicationContextRunner web = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(OtpWebFiltersAutoConfiguration.class));

	@Test
	void aReactiveWebApplicationGetsEveryFilterTheOtpRoutesRelyOn() {
		this.web.run(context -> assertThat(context).hasSingleBean(ProblemExceptionHandler.class)
			.hasSingleBean(VerificationHeaderStripFilter.class)
			.hasSingleBean(PathGuardFilter.class)
			.hasSingleBean(RequestIdFilter.class)
			.hasSingleBean(RequestIdHeadersFilter.class));
	}

	@Test
	void theApplicationsOwnProblemHandlerWins() {
		this.web.withUserConfiguration(OwnProblemHandler.class).run(context -> assertThat(context)
			.getBean(ProblemExceptionHandler.class)
			.isSameAs(context.getBean(OwnProblemHandler.class).handler));
	}

	@Test
	void theRequestIdFiltersTurnOffForAnApplicationWithItsOwn() {
		this.web.withPropertyValues("cvety.otp.request-id.enabled=false").run(context -> assertThat(context)
			.doesNotHaveBean(RequestIdFilter.class)
			.doesNotHaveBean(RequestIdHeadersFilter.class)
			.hasSingleBean(PathGuardFilter.class));
	}

	@Test
	void nothingOutsideAReactiveWebApplication() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(OtpWebFiltersAutoConfiguration.class))
			.run(context -> assertThat(context).doesNotHaveBean(ProblemExceptionHandler.class)
				.doesNotHaveBean(PathGuardFilter.class));
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnProblemHandler {

		final ProblemExceptionHandler handler = new ProblemExceptionHandler(Duration.ofSeconds(42));

		@Bean
		ProblemExceptionHandler problemExceptionHandler() {
			return this.handler;
		}

	}

}
