package kz.cvety.otp.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Prints an {@link UnsafeConfigurationException} as one readable line instead of a stack trace.
 */
class UnsafeConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<UnsafeConfigurationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, UnsafeConfigurationException cause) {
		return new FailureAnalysis("Refusing to start: " + cause.getMessage(), cause.action(), cause);
	}

}
