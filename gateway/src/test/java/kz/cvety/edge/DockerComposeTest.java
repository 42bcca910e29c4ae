package kz.cvety.edge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import kz.cvety.otp.testing.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

class DockerComposeTest {

	@Test
	void composeRunsTheRedisImageTestsPin() throws IOException {
		String compose = Files.readString(Path.of("..", "docker-compose.yml"));
		assertThat(compose).contains("image: " + TestRedis.IMAGE + "\n");
	}

}
