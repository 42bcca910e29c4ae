package kz.cvety.edge;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import kz.cvety.otp.testing.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code java -jar gateway.jar --verify-redis} as ops run it, against a real Redis and an unreachable one.
 */
class VerifyRedisCommandIT {

	@Test
	void fitRedisPassesEveryStepAndExitsZero() throws Exception {
		Result result = run("--spring.data.redis.url=" + TestRedis.url());

		assertThat(result.exitCode()).as(result.output()).isZero();
		assertThat(result.output()).contains("OK    PING: PONG")
			.contains("OK    server version and mode: Redis ")
			.contains("OK    load otp_issue.lua")
			.contains("OK    load otp_attempt.lua")
			.contains("OK    load otp_verify.lua")
			.contains("OK    load otp_discard.lua")
			.contains("OK    load otp_lookup.lua")
			.contains("OK    load pumping_count.lua")
			.contains("OK    right code: verified")
			.contains("OK    single use: second use refused")
			.contains("OK    key expires after its TTL")
			.contains("Redis is fit for Cvety Edge.")
			.doesNotContain("FAIL");
	}

	@Test
	void unreachableRedisFailsAndExitsNonZero() throws Exception {
		Result result = run("--spring.data.redis.url=redis://127.0.0.1:1", "--spring.data.redis.connect-timeout=500ms");

		assertThat(result.exitCode()).isEqualTo(1);
		assertThat(result.output()).contains("FAIL  PING").contains("Redis is NOT fit for Cvety Edge.");
	}

	private static Result run(String... args) throws IOException, InterruptedException {
		List<String> command = new ArrayList<>(List.of(
				System.getProperty("java.home") + File.separator + "bin" + File.separator + "java", "-jar",
				Path.of("target", "gateway.jar").toAbsolutePath().toString(), "--verify-redis"));
		command.addAll(List.of(args));
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
		builder.environment().remove("REDIS_URL");
		Process process = builder.start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(90, TimeUnit.SECONDS)).isTrue();
		return new Result(process.exitValue(), output);
	}

	private record Result(int exitCode, String output) {
	}

}
