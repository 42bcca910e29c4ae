package kz.cvety.otp.web;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import kz.cvety.otp.autoconfigure.OtpAutoConfigurationsIT;
import kz.cvety.otp.testing.HttpStub;
import kz.cvety.otp.testing.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where the warm-up cannot go through the instance's own HTTP server, it runs the same passes in process, on
 * throwaway keys it deletes afterwards, and says so.
 */
@ExtendWith(OutputCaptureExtension.class)
class OtpWarmUpIT {

	private static final String SECRET = "test-secret-0123456789abcdefghijklmnopqrstuv";

	private static final String STORE_UNAVAILABLE = "{\"code\":\"store_unavailable\"}";

	private final String prefix = TestRedis.uniquePrefix();

	private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(OtpAutoConfigurationsIT.OTP)
		.withPropertyValues("spring.data.redis.url=" + TestRedis.url(), "cvety.otp.redis.key-prefix=" + this.prefix,
				"cvety.otp.hash-secret=" + SECRET, "cvety.otp.token-secret=" + SECRET, "cvety.otp.sms.provider=log",
				"cvety.otp.warm-up.passes=40", "cvety.otp.warm-up.until-compiled=false");

	@Test
	void nothingListeningOnThePortMeansInProcess(CapturedOutput output) throws IOException {
		URI closed = URI.create("http://127.0.0.1:" + closedPort());
		this.runner.run(context -> {
			OtpWarmUp warmUp = context.getBean(OtpWarmUp.class);

			warmUp.run(closed);

			assertInProcess(warmUp, output, context.getBean(ReactiveStringRedisTemplate.class));
			assertThat(output.getOut()).contains("its first pass through " + closed + " failed");
		});
	}

	@Test
	void aServerWithoutTheOtpRoutesMeansInProcess(CapturedOutput output) {
		try (HttpStub other = HttpStub.start()) {
			other.respond(request -> HttpStub.Reply.json(404, "{}"));
			this.runner.run(context -> {
				OtpWarmUp warmUp = context.getBean(OtpWarmUp.class);

				warmUp.run(URI.create(other.url()));

				assertInProcess(warmUp, output, context.getBean(ReactiveStringRedisTemplate.class));
				assertThat(other.requests()).hasSize(1)
					.allSatisfy(request -> assertThat(request.headers().get(WarmUpTraffic.HEADER)).isNotBlank());
				assertThat(output.getOut()).contains("answered 404");
			});
		}
	}

	@Test
	void aPassThatFailsNowAndThenDoesNotCutTheWarmUpShort(CapturedOutput output) {
		try (HttpStub server = HttpStub.start()) {
			AtomicInteger sends = new AtomicInteger();
			// The 11th send is in a later pass than the first (passes run side by side, so it is counted among
			// sends only): one store failure on an otherwise working server.
			server.respond(request -> (request.uri().endsWith("/request-otp") && sends.incrementAndGet() == 11)
					? HttpStub.Reply.json(503, STORE_UNAVAILABLE) : HttpStub.Reply.json(200, "{}"));
			this.runner.run(context -> {
				OtpWarmUp warmUp = context.getBean(OtpWarmUp.class);

				warmUp.run(URI.create(server.url()));

				OtpWarmUp.Progress progress = warmUp.progress();
				assertThat(progress.complete()).as(String.valueOf(progress.problem())).isTrue();
				assertThat(progress.passes()).isEqualTo(40);
				assertThat(progress.failed()).isEqualTo(1);
				assertThat(progress.problem()).startsWith("1 of 40 passes failed, first: ")
					.contains("/api/auth/request-otp answered 503");
				assertThat(output.getOut()).contains("OTP paths warmed up: 40 passes through HTTP in ")
					.doesNotContain("OTP warm-up incomplete");
			});
		}
	}

	@Test
	void aRoundOfFailedPassesEndsTheWarmUp(CapturedOutput output) {
		try (HttpStub server = HttpStub.start()) {
			AtomicInteger requests = new AtomicInteger();
			// The first pass (4 requests) decides the warm-up goes through HTTP; then the store fails for good.
			server.respond(request -> (requests.incrementAndGet() > 4) ? HttpStub.Reply.json(503, STORE_UNAVAILABLE)
					: HttpStub.Reply.json(200, "{}"));
			this.runner.withPropertyValues("cvety.otp.warm-up.concurrency=4").run(context -> {
				OtpWarmUp warmUp = context.getBean(OtpWarmUp.class);

				warmUp.run(URI.create(server.url()));

				OtpWarmUp.Progress progress = warmUp.progress();
				assertThat(progress.finished()).isTrue();
				assertThat(progress.complete()).isFalse();
				assertThat(progress.failed()).isGreaterThanOrEqualTo(4);
				assertThat(progress.passes()).isLessThan(40);
				assertThat(output.getOut()).contains("OTP warm-up incomplete (")
					.contains("reporting ready anyway")
					.doesNotContain("OTP paths warmed up");
			});
		}
	}

	private void assertInProcess(OtpWarmUp warmUp, CapturedOutput output, ReactiveStringRedisTemplate redis) {
		OtpWarmUp.Progress progress = warmUp.progress();
		assertThat(progress.complete()).as(String.valueOf(progress.problem())).isTrue();
		assertThat(progress.passes()).isEqualTo(40);
		assertThat(output.getOut()).contains("OTP paths warmed up: 40 passes in process in ");
		List<String> left = redis.keys(this.prefix + "*").collectList().block();
		assertThat(left).isEmpty();
	}

	private static int closedPort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
