package kz.cvety.edge;

import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType;
import org.springframework.core.env.Environment;

import kz.cvety.otp.autoconfigure.UnsafeConfigurationException;

/**
 * With {@code cvety.strict=true}, refuses to start when the support endpoint is exposed and the actuator shares
 * the public port: anyone who can reach the gateway could then look up and unblock any phone. Registered only
 * where the endpoint is exposed on the web; runs before any bean is created.
 */
public final class SupportEndpointExposureCheck implements BeanFactoryPostProcessor {

	/** The key ops set to expose actuator endpoints. */
	public static final String EXPOSURE_KEY = "management.endpoints.web.exposure.include";

	private final Environment environment;

	private final String endpointId;

	public SupportEndpointExposureCheck(Environment environment, String endpointId) {
		this.environment = environment;
		this.endpointId = endpointId;
	}

	@Override
	public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
		check();
	}

	/** Throws {@link UnsafeConfigurationException} when the endpoint would be served on the public port. */
	public void check() {
		if (ManagementPortType.get(this.environment) == ManagementPortType.SAME) {
			throw new UnsafeConfigurationException(EXPOSURE_KEY,
					"exposes the '" + this.endpointId + "' support endpoint on the public port "
							+ "(management.server.port is not set to a port of its own)",
					"Set management.server.port to a port that only ops can reach, or remove '" + this.endpointId
							+ "' from " + EXPOSURE_KEY + ".");
		}
	}

}
