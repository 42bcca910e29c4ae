package kz.cvety.edge.faults;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import kz.cvety.edge.support.OtpApi.Answer;

/**
 * Client load against real gateways, with every call recorded: what it was, for which phone, when it started and
 * ended (on one monotonic clock the test also reads, {@link #now()}), and the answer. Virtual users run a cycle
 * over and over until {@link #stop()}, so faults can be injected while requests are in flight.
 */
final class Traffic implements AutoCloseable {

	private final long epoch = System.nanoTime();

	private final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();

	private final ExecutorService users;

	private final List<Future<?>> running = new ArrayList<>();

	private volatile boolean stopping;

	private final java.util.concurrent.ScheduledExecutorService stallMeter = Executors.newSingleThreadScheduledExecutor(runnable -> {
		Thread thread = new Thread(runnable, "traffic-stall-meter");
		thread.setDaemon(true);
		return thread;
	});

	private final java.util.concurrent.atomic.AtomicLong lastTick = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());

	private final java.util.concurrent.atomic.AtomicLong maxStall = new java.util.concurrent.atomic.AtomicLong();

	private Traffic(int users) {
		// A tick every 10 ms that notes how late it runs: how long this JVM got no CPU (a shared machine, GC),
		// which delays every answer whatever the gateway's timeouts say.
		this.stallMeter.scheduleAtFixedRate(() -> {
			long now = System.nanoTime();
			long late = TimeUnit.NANOSECONDS.toMillis(now - this.lastTick.getAndSet(now)) - 10;
			this.maxStall.accumulateAndGet(late, Math::max);
		}, 10, 10, TimeUnit.MILLISECONDS);
		this.users = Executors.newFixedThreadPool(users, runnable -> {
			Thread thread = new Thread(runnable, "traffic-user");
			thread.setDaemon(true);
			return thread;
		});
	}

	/** Starts {@code users} virtual users, each running {@code cycle} in a loop (closed loop: one call at a time). */
	static Traffic start(int users, Consumer<Traffic> cycle) {
		Traffic traffic = new Traffic(users);
		for (int i = 0; i < users; i++) {
			traffic.running.add(traffic.users.submit(() -> {
				while (!traffic.stopping) {
					try {
						cycle.accept(traffic);
					}
					catch (RuntimeException ex) {
						// Recorded by call(); the test's assertions report it.
					}
				}
			}));
		}
		return traffic;
	}

	/** Milliseconds since this traffic started, on the clock calls are stamped with. */
	long now() {
		return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - this.epoch);
	}

	/** Makes one call, records it and returns its answer; a transport error is recorded and thrown. */
	Answer call(String kind, String phone, Supplier<CompletableFuture<Answer>> request) {
		long started = now();
		try {
			Answer answer = request.get().join();
			this.calls.add(new Call(kind, phone, started, now(), answer, null));
			return answer;
		}
		catch (RuntimeException ex) {
			this.calls.add(new Call(kind, phone, started, now(), null, ex));
			throw ex;
		}
	}

	/** Stops the users after their current cycle and returns every call, in order of start. */
	List<Call> stop() {
		this.stopping = true;
		for (Future<?> user : this.running) {
			try {
				user.get(60, TimeUnit.SECONDS);
			}
			catch (Exception ex) {
				throw new AssertionError("a traffic user did not stop", ex);
			}
		}
		this.users.shutdownNow();
		this.stallMeter.shutdownNow();
		return calls();
	}

	/** Stops the users if the test has not: a failed test must not leave load running into the next one. */
	@Override
	public void close() {
		if (!this.stopping) {
			stop();
		}
	}

	/** The longest time, in milliseconds, this JVM's threads were kept from running while the traffic ran. */
	long maxStallMillis() {
		return this.maxStall.get();
	}

	/** The calls so far, in order of start. */
	List<Call> calls() {
		List<Call> sorted = new ArrayList<>(this.calls);
		sorted.sort(Comparator.comparingLong(Call::start));
		return sorted;
	}

	/** Fails, naming at most five offenders, if any call matches {@code violation}. */
	static void assertNone(List<Call> calls, String what, java.util.function.Predicate<Call> violation) {
		List<Call> offenders = calls.stream().filter(violation).toList();
		if (!offenders.isEmpty()) {
			throw new AssertionError(offenders.size() + " of " + calls.size() + " calls " + what + ", e.g.:\n  "
					+ String.join("\n  ", offenders.stream().limit(5).map(Call::toString).toList()));
		}
	}

	/**
	 * A compact account of {@code calls} by time slice: for each {@code sliceMillis} of start time, how many
	 * calls got which status, e.g. {@code "1000: 200x31 503x2"}; printed by tests for the record.
	 */
	static String timeline(List<Call> calls, long sliceMillis) {
		java.util.SortedMap<Long, java.util.SortedMap<Integer, Integer>> slices = new java.util.TreeMap<>();
		for (Call call : calls) {
			slices.computeIfAbsent(call.start() / sliceMillis * sliceMillis, slice -> new java.util.TreeMap<>())
				.merge(call.status(), 1, Integer::sum);
		}
		StringBuilder text = new StringBuilder();
		slices.forEach((slice, statuses) -> {
			text.append(String.format("%n  %6d ms:", slice));
			statuses.forEach((status, count) -> text.append(' ').append(status).append('x').append(count));
		});
		return text.toString();
	}

	/**
	 * One recorded call.
	 *
	 * @param kind what was called, e.g. {@code send} or {@code verify}
	 * @param phone the phone it was for
	 * @param start when it started, in {@link #now()} milliseconds
	 * @param end when its answer had arrived
	 * @param answer the answer, or null after a transport error
	 * @param error the transport error, or null
	 */
	record Call(String kind, String phone, long start, long end, Answer answer, Throwable error) {

		long took() {
			return this.end - this.start;
		}

		int status() {
			return (this.answer != null) ? this.answer.status() : -1;
		}

		String code() {
			return (this.answer != null) ? this.answer.code() : "";
		}

		boolean ok() {
			return status() == 200;
		}

		@Override
		public String toString() {
			if (this.answer == null) {
				return this.kind + " " + this.phone + " [" + this.start + ".." + this.end + " ms] " + this.error;
			}
			String retryAfter = this.answer.header("Retry-After");
			return this.kind + " " + this.phone + " [" + this.start + ".." + this.end + " ms] " + status() + " " + code()
					+ ((retryAfter != null) ? " Retry-After " + retryAfter : "");
		}

	}

}
