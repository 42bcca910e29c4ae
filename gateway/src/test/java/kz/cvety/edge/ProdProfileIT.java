package kz.cvety.edge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import kz.cvety.otp.edge.UnsafeConfigurationException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(OutputCaptureExtension.class)
class ProdProfileIT {

	@Test
	void prodRefusesToStartWithoutRedisUrlAndSaysWhyInOneLine(CapturedOutput output) {
		assertThatThrownBy(() -> new SpringApplicationBuilder(GatewayApplication.class).profiles("prod")
			.properties("server.port=0")
			.run())
			.hasRootCauseInstanceOf(UnsafeConfigurationException.class);

		assertThat(output).contains("Refusing to start: spring.data.redis.url: no Redis is configured (set REDIS_URL");
		assertThat(output).doesNotContain("Started GatewayApplication");
	}

}
