package kz.cvety.load;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where each new customer of a scale-out run logs in: the first gateway instance until a given second of the run
 * and until the second instance's readiness ({@code /actuator/health/readiness}) is UP, then every other customer
 * on the second instance, as a load balancer adds an instance once its readiness probe passes. Polls the
 * readiness from the start of the run.
 */
final class ScaleOut implements AutoCloseable {

	private static final Duration POLL = Duration.ofMillis(250);

	private final String secondBaseUrl;

	private final Duration at;

	private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

	private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(runnable -> {
		Thread thread = new Thread(runnable, "scale-out-readiness");
		thread.setDaemon(true);
		return thread;
	});

	private final AtomicLong toFirst = new AtomicLong();

	private final AtomicLong toSecond = new AtomicLong();

	private final AtomicLong eligible = new AtomicLong();

	private volatile long startedNanos;

	private volatile long readyNanos = -1;

	ScaleOut(String secondBaseUrl, Duration at) {
		this.secondBaseUrl = secondBaseUrl;
		this.at = at;
	}

	String secondBaseUrl() {
		return this.secondBaseUrl;
	}

	Duration at() {
		return this.at;
	}

	/** Starts the run's clock and the readiness polling. */
	void start() {
		this.startedNanos = System.nanoTime();
		this.poller.scheduleWithFixedDelay(this::poll, 0, POLL.toMillis(), TimeUnit.MILLISECONDS);
	}

	/** Whether the next new customer logs in on the second instance; counts the customer either way. */
	boolean takesNext() {
		boolean open = this.readyNanos >= 0 && System.nanoTime() - this.startedNanos >= this.at.toNanos();
		if (open && this.eligible.getAndIncrement() % 2 == 1) {
			this.toSecond.incrementAndGet();
			return true;
		}
		this.toFirst.incrementAndGet();
		return false;
	}

	/** How long after the start of the run the second instance's readiness was first UP, if it was. */
	Optional<Duration> readyAfter() {
		long ready = this.readyNanos;
		return (ready < 0) ? Optional.empty() : Optional.of(Duration.ofNanos(ready - this.startedNanos));
	}

	long toFirst() {
		return this.toFirst.get();
	}

	long toSecond() {
		return this.toSecond.get();
	}

	/** The customers who arrived once the second instance could take them, on either instance. */
	long afterScaleOut() {
		return this.eligible.get();
	}

	private void poll() {
		if (this.readyNanos >= 0) {
			return;
		}
		HttpRequest request = HttpRequest.newBuilder(URI.create(this.secondBaseUrl + "/actuator/health/readiness"))
			.timeout(Duration.ofSeconds(1))
			.GET()
			.build();
		try {
			// The actuator answers 200 when the group is UP, 503 when it is not.
			HttpResponse<Void> response = this.client.send(request, HttpResponse.BodyHandlers.discarding());
			if (response.statusCode() == 200) {
				this.readyNanos = System.nanoTime();
			}
		}
		catch (java.io.IOException ex) {
			// Not started or not listening yet: the next poll asks again.
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public void close() {
		this.poller.shutdownNow();
	}

}
