package kz.cvety.otp.store;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

import kz.cvety.otp.redis.ScriptRunner;
import kz.cvety.otp.resilience.CircuitRetryAfter;
import kz.cvety.otp.resilience.RedisGuard;

/**
 * Checks that a Redis server can carry the OTP feature, step by step, printing {@code OK} or {@code FAIL} for
 * each: it answers, its version and mode, the real Lua scripts load and run a full issue and verify round on
 * throwaway keys, and Redis expires keys as the TTL says. The seed's {@code verify_redis.py}, done with the
 * gateway's own code.
 */
public final class RedisVerifier {

	private static final Duration STEP_TIMEOUT = Duration.ofSeconds(5);

	private static final String SCRIPTS = "META-INF/scripts/";

	private static final Duration SHORT_TTL = Duration.ofMillis(1500);

	private final ReactiveStringRedisTemplate redis;

	private final OtpStore.Scripts scripts;

	private final String target;

	/**
	 * @param redis the configured Redis
	 * @param scripts the scripts the gateway runs
	 * @param target where Redis is, with any password masked, for the first line
	 */
	public RedisVerifier(ReactiveStringRedisTemplate redis, OtpStore.Scripts scripts, String target) {
		this.redis = redis;
		this.scripts = scripts;
		this.target = target;
	}

	/** Runs every step, printing one line each; completes with whether all passed. */
	public Mono<Boolean> verify(PrintWriter out) {
		String prefix = "cvety:verify-redis:" + UUID.randomUUID() + ":";
		OtpHasher hasher = new OtpHasher("verify-redis-" + UUID.randomUUID() + UUID.randomUUID());
		OtpKeys keys = new OtpKeys(prefix, hasher);
		RedisGuard guard = new RedisGuard(new CircuitRetryAfter(CircuitBreaker.ofDefaults("verify-redis"),
				Clock.systemUTC()), STEP_TIMEOUT);
		OtpStore store = new OtpStore(ScriptRunner.of(this.redis), keys, guard, this.scripts);
		String phone = "+77000000000";
		String code = "424242";
		long generation = 7;
		AtomicBoolean ok = new AtomicBoolean(true);
		out.println("Verifying Redis at " + this.target);
		out.flush();

		List<Step> steps = new ArrayList<>();
		steps.add(new Step("PING", this.redis.execute(connection -> connection.ping()).next()
			.map(pong -> expect("PONG".equalsIgnoreCase(pong), pong))));
		steps.add(new Step("server version and mode", this.redis.execute(connection -> connection.serverCommands().info("server"))
			.next()
			.map(RedisVerifier::versionAndMode)));
		Map<String, RedisScript<List<Long>>> named = new LinkedHashMap<>();
		named.put(OtpStore.ISSUE_SCRIPT, this.scripts.issue());
		named.put(OtpStore.ATTEMPT_SCRIPT, this.scripts.attempt());
		named.put(OtpStore.VERIFY_SCRIPT, this.scripts.verify());
		named.put(OtpStore.DISCARD_SCRIPT, this.scripts.discard());
		// The other scripts (support look-up, pumping guard) are only compiled here: a server that refuses one
		// would fail those features at run time.
		for (Resource resource : otherScripts(named.keySet())) {
			String text = text(resource);
			named.put(SCRIPTS + resource.getFilename(), RedisScript.of(text));
		}
		named.forEach((resource, script) -> {
			steps.add(new Step("load " + resource.substring(resource.lastIndexOf('/') + 1),
					this.redis.execute(connection -> connection.scriptingCommands().scriptLoad(bytes(script.getScriptAsString())))
						.next()
						.map(sha -> expect(sha.equals(script.getSha1()), "SHA " + sha))));
		});
		steps.add(new Step("issue a code (otp_issue.lua)", store.issue(phone, hasher.codeHash(phone, code), generation,
				Duration.ofMinutes(1)).then(this.redis.opsForHash().entries(keys.code(phone)).collectList())
			.map(entries -> expect(entries.size() == 3 && entries.stream().noneMatch(e -> code.equals(e.getValue())),
					"stored as HMAC with generation and attempts; no plaintext code"))));
		steps.add(new Step("reserve an attempt (otp_attempt.lua)", store.reserveAttempt(phone, 3)
			.map(reservation -> expect(reservation.status() == AttemptReservation.Status.ADMITTED
					&& reservation.attemptsUsed() == 1 && reservation.generation() == generation,
					"attempt 1 of 3 admitted"))));
		steps.add(new Step("wrong code (otp_verify.lua)", store.verify(phone, hasher.codeHash(phone, "000000"), generation)
			.map(result -> expect(result == VerifyResult.WRONG_CODE, "refused"))));
		steps.add(new Step("right code", store.reserveAttempt(phone, 3)
			.then(store.verify(phone, hasher.codeHash(phone, code), generation))
			.map(result -> expect(result == VerifyResult.VERIFIED, "verified"))));
		steps.add(new Step("single use", store.verify(phone, hasher.codeHash(phone, code), generation)
			.map(result -> expect(result == VerifyResult.NO_CODE, "second use refused"))));
		steps.add(new Step("discard (otp_discard.lua)", store.issue(phone, hasher.codeHash(phone, code), generation,
				Duration.ofMinutes(1)).then(store.discard(phone, generation))
			.map(removed -> expect(removed, "undelivered code removed"))));
		steps.add(new Step("TTL set by Redis", store.issue(phone, hasher.codeHash(phone, code), generation, SHORT_TTL)
			.then(this.redis.getExpire(keys.code(phone)))
			.map(ttl -> expect(!ttl.isNegative() && !ttl.isZero() && ttl.compareTo(SHORT_TTL) <= 0, "TTL " + ttl.toMillis() + " ms"))));
		steps.add(new Step("key expires after its TTL", Mono.delay(SHORT_TTL.plusMillis(500))
			.then(this.redis.hasKey(keys.code(phone)))
			.map(exists -> expect(!exists, "gone after " + SHORT_TTL.plusMillis(500).toMillis() + " ms"))));

		Mono<Void> cleanup = this.redis.keys(prefix + "*").collectList()
			.flatMap(found -> found.isEmpty() ? Mono.empty() : this.redis.delete(Flux.fromIterable(found)).then())
			.onErrorResume(ex -> Mono.empty());

		return Flux.fromIterable(steps)
			.concatMap(step -> step.check()
				.timeout(STEP_TIMEOUT)
				.onErrorResume(ex -> Mono.just(Result.fail(ex.getClass().getSimpleName() + ": " + ex.getMessage())))
				.doOnNext(result -> {
					if (!result.ok()) {
						ok.set(false);
					}
					out.println((result.ok() ? "OK    " : "FAIL  ") + step.name() + ": " + result.detail());
					out.flush();
				}))
			.then(cleanup)
			.then(Mono.fromSupplier(() -> {
				out.println(ok.get() ? "Redis is fit for Cvety Edge." : "Redis is NOT fit for Cvety Edge.");
				out.flush();
				return ok.get();
			}));
	}

	private static Result versionAndMode(Properties info) {
		// A cluster connection answers for every node, with keys prefixed by the node's address.
		String version = property(info, "redis_version");
		String mode = (property(info, "redis_mode") != null) ? property(info, "redis_mode") : "standalone";
		if (version == null) {
			return Result.fail("INFO server did not report redis_version");
		}
		int major = Integer.parseInt(version.split("\\.")[0]);
		return expect(major >= 6, "Redis " + version + ", mode " + mode + ((major >= 6) ? "" : " (6.0 or newer needed)"));
	}

	private static String property(Properties info, String name) {
		return info.stringPropertyNames()
			.stream()
			.filter(key -> key.equals(name) || key.endsWith("." + name))
			.map(info::getProperty)
			.findFirst()
			.orElse(null);
	}

	private static Result expect(boolean condition, String detail) {
		return condition ? new Result(true, detail) : Result.fail(detail);
	}

	private static ByteBuffer bytes(String text) {
		return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
	}

	private record Step(String name, Mono<Result> check) {
	}

	private record Result(boolean ok, String detail) {

		static Result fail(String detail) {
			return new Result(false, detail);
		}

	}

	/** Every Lua script the library ships, beside the store's four. */
	private static List<Resource> otherScripts(Set<String> known) {
		try {
			Resource[] found = new PathMatchingResourcePatternResolver().getResources("classpath*:" + SCRIPTS + "*.lua");
			List<Resource> others = new ArrayList<>();
			for (Resource resource : found) {
				if (known.stream().noneMatch(name -> name.endsWith("/" + resource.getFilename()))) {
					others.add(resource);
				}
			}
			others.sort(Comparator.comparing(Resource::getFilename));
			return others;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static String text(Resource resource) {
		try {
			return resource.getContentAsString(StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
