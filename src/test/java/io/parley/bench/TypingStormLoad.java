package io.parley.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;
import reactor.netty.resources.ConnectionProvider;

/**
 * The typing storm: every user types in their group and sends a typing frame on every keystroke
 * ({@code typing.start}, then {@code typing.renew} per key), far more often than the SDK would (it
 * renews at most every 3 s). The server's throttle drops renewals faster than its interval, relays
 * the rest to the group's other members through Redis Pub/Sub, and expires what is not renewed. The
 * figures: keystroke frames sent per second, typing signals received per second by all members, and
 * the server's CPU while it lasts.
 */
final class TypingStormLoad {

	record Result(int users, int groupSize, double keysPerSecondEach, double seconds, long keystrokes, long signals,
			double serverCpuSeconds) {

		String line() {
			return String.format(Locale.ROOT,
					"typing users=%d group-size=%d keys/s-each=%.0f seconds=%.0f keystrokes/s=%.0f signals-relayed/s=%.0f server-cpu=%.0f%% of one core (%.1f µs a keystroke)",
					users, groupSize, keysPerSecondEach, seconds, keystrokes / seconds, signals / seconds,
					100 * serverCpuSeconds / seconds, 1e6 * serverCpuSeconds / Math.max(1, keystrokes));
		}
	}

	private TypingStormLoad() {
	}

	/**
	 * @param urls each user's WebSocket URL (token included)
	 * @param groupOf the conversation each user types in
	 * @param serverCpu the server's CPU seconds so far, read at the start and the end of the window
	 */
	static Result run(List<String> urls, List<UUID> groupOf, int groupSize, double keysPerSecond, Duration duration,
			java.util.function.DoubleSupplier serverCpu) {
		int users = urls.size();
		ConnectionProvider pool = ConnectionProvider.builder("bench-typing").maxConnections(users + 16).build();
		HttpClient http = HttpClient.create(pool).compress(false);
		AtomicLong signals = new AtomicLong();
		AtomicLong keystrokes = new AtomicLong();
		java.util.concurrent.atomic.AtomicBoolean measuring = new java.util.concurrent.atomic.AtomicBoolean();
		List<Sinks.Many<String>> outs = new ArrayList<>();
		List<Disposable> connections = new ArrayList<>();
		for (int u = 0; u < users; u++) {
			Sinks.Many<String> out = Sinks.many().unicast().onBackpressureBuffer();
			outs.add(out);
			Sinks.One<Boolean> open = Sinks.one();
			connections.add(http.websocket(WebsocketClientSpec.builder().maxFramePayloadLength(1 << 20).build())
				.uri(urls.get(u))
				.handle((in, outbound) -> {
					open.tryEmitValue(true);
					return outbound.sendString(out.asFlux()).then().and(in.receive().asString().doOnNext(frame -> {
						if (measuring.get() && frame.startsWith("{\"type\":\"typing\"")) {
							signals.incrementAndGet();
						}
					}).then());
				})
				.subscribe());
			open.asMono().block(Duration.ofSeconds(30));
		}
		long periodNanos = (long) (1e9 / keysPerSecond);
		List<Disposable> typists = new ArrayList<>();
		for (int u = 0; u < users; u++) {
			Sinks.Many<String> out = outs.get(u);
			String conversation = groupOf.get(u).toString();
			long offset = periodNanos * u / users;
			typists.add(Flux.interval(Duration.ofNanos(offset), Duration.ofNanos(periodNanos)).subscribe(key -> {
				String frame = "{\"type\":\"" + (key == 0 ? "typing.start" : "typing.renew") + "\",\"conversationId\":\""
						+ conversation + "\"}";
				synchronized (out) {
					out.tryEmitNext(frame);
				}
				if (measuring.get()) {
					keystrokes.incrementAndGet();
				}
			}));
		}
		sleep(Duration.ofSeconds(3)); // warm-up: everybody has started typing
		double cpuBefore = serverCpu.getAsDouble();
		measuring.set(true);
		sleep(duration);
		measuring.set(false);
		double cpu = serverCpu.getAsDouble() - cpuBefore;
		typists.forEach(Disposable::dispose);
		connections.forEach(Disposable::dispose);
		pool.disposeLater().block(Duration.ofSeconds(10));
		return new Result(users, groupSize, keysPerSecond, duration.toNanos() / 1e9, keystrokes.get(), signals.get(), cpu);
	}

	private static void sleep(Duration duration) {
		Benchmarks.pause(duration);
	}
}
