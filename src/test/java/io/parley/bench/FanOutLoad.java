package io.parley.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * The fan-out scenario, the same against Parley and against the bare baseline: {@code members}
 * connections, {@code groups} groups each holding every member, {@code senders} of them sending to
 * group {@code k % groups} at {@code rate} messages a second each, for {@code seconds}. Each message
 * body carries its send time ({@link System#nanoTime()}, the same clock as the receivers': one
 * process), so end-to-end latency is measured exactly, from the moment the frame is handed to the
 * sender's socket to the moment a receiver has read it.
 */
final class FanOutLoad {

	/** What differs between Parley and the baseline: where to connect and what a send looks like. */
	interface Target {

		String name();

		/** The WebSocket URL for member {@code m}. */
		String url(int member);

		/** A text frame sending {@code body} to group {@code g}. */
		String send(int group, String body);

		/** Whether a received frame is the sender's acknowledgement (Parley) rather than a delivery. */
		boolean isAck(String frame);

		/** Whether the target acknowledges sends at all; if not, every send counts as accepted. */
		boolean acknowledges();
	}

	record Result(String target, int members, int groups, int senders, double rate, double seconds, long sent, long accepted,
			long deliveries, long[] latenciesNanos) {

		double acceptedPerSecond() {
			return accepted / seconds;
		}

		double deliveriesPerSecond() {
			return deliveries / seconds;
		}

		double percentileMillis(double p) {
			if (latenciesNanos.length == 0) {
				return Double.NaN;
			}
			int index = (int) Math.min(latenciesNanos.length - 1, Math.ceil(p / 100.0 * latenciesNanos.length) - 1);
			return latenciesNanos[Math.max(0, index)] / 1e6;
		}

		String line() {
			return String.format(Locale.ROOT,
					"fanout target=%s members=%d groups=%d senders=%d rate=%.1f/s each offered=%.0f msg/s seconds=%.0f sent=%d accepted/s=%.0f deliveries/s=%.0f p50=%.1fms p95=%.1fms p99=%.1fms max=%.1fms",
					target, members, groups, senders, rate, rate * senders, seconds, sent, acceptedPerSecond(), deliveriesPerSecond(), percentileMillis(50),
					percentileMillis(95), percentileMillis(99), percentileMillis(100));
		}
	}

	/** The longest a step waits for the server to work off what it still holds. */
	static final Duration DRAIN_LIMIT = Duration.ofSeconds(90);

	private FanOutLoad() {
	}

	/** Parley: member {@code m} is {@code users[m]}; a send names the group's conversation and a fresh client message id. */
	static Target parley(int port, List<io.parley.support.ParleyApi.User> users, List<java.util.UUID> conversations) {
		return new Target() {

			@Override
			public String name() {
				return "parley";
			}

			@Override
			public String url(int member) {
				return "ws://127.0.0.1:" + port + "/ws?access_token=" + users.get(member).token();
			}

			@Override
			public String send(int group, String body) {
				return "{\"type\":\"send\",\"conversationId\":\"" + conversations.get(group) + "\",\"clientMessageId\":\""
						+ java.util.UUID.randomUUID() + "\",\"body\":\"" + body + "\"}";
			}

			@Override
			public boolean isAck(String frame) {
				return frame.startsWith("{\"type\":\"ack\"");
			}

			@Override
			public boolean acknowledges() {
				return true;
			}
		};
	}

	/** The baseline: one group, and the frame is the body itself. */
	static Target bare(int port) {
		return new Target() {

			@Override
			public String name() {
				return "bare-netty";
			}

			@Override
			public String url(int member) {
				return "ws://127.0.0.1:" + port + "/ws?group=all";
			}

			@Override
			public String send(int group, String body) {
				return body;
			}

			@Override
			public boolean isAck(String frame) {
				return false;
			}

			@Override
			public boolean acknowledges() {
				return false;
			}
		};
	}

	static Result run(Target target, int members, int groups, int senders, double rate, Duration duration, Duration warmUp) {
		ConnectionProvider pool = ConnectionProvider.builder("bench-" + target.name()).maxConnections(members + 16).build();
		HttpClient http = HttpClient.create(pool).compress(false);
		AtomicLong accepted = new AtomicLong();
		AtomicLong acks = new AtomicLong(); // all of them, in the window or not
		AtomicLong deliveries = new AtomicLong();
		ConcurrentLinkedQueue<long[]> latencyChunks = new ConcurrentLinkedQueue<>();
		List<Sinks.Many<String>> outs = new ArrayList<>();
		List<Disposable> connections = new ArrayList<>();
		long[] measuring = { Long.MAX_VALUE, Long.MAX_VALUE }; // window [from, to) in nanoTime
		for (int m = 0; m < members; m++) {
			Sinks.Many<String> out = Sinks.many().unicast().onBackpressureBuffer();
			outs.add(out);
			LatencyRecorder recorder = new LatencyRecorder(latencyChunks);
			Sinks.One<Boolean> open = Sinks.one();
			connections.add(http.websocket(reactor.netty.http.client.WebsocketClientSpec.builder().maxFramePayloadLength(1 << 20).build())
				.uri(target.url(m))
				.handle((in, outbound) -> {
					open.tryEmitValue(true);
					return outbound.sendString(out.asFlux()).then().and(in.receive().asString().doOnNext(frame -> {
						long now = System.nanoTime();
						boolean inWindow = now >= measuring[0] && now < measuring[1];
						if (target.isAck(frame)) {
							acks.incrementAndGet();
							if (inWindow) {
								accepted.incrementAndGet();
							}
							return;
						}
						long stamp = stampOf(frame);
						if (stamp > 0 && inWindow) {
							deliveries.incrementAndGet();
							recorder.add(now - stamp);
						}
					}).then());
				})
				.doFinally(s -> recorder.flush())
				.subscribe());
			open.asMono().block(Duration.ofSeconds(30));
		}
		// Senders tick at their rate; every send stamps its own body.
		long periodNanos = (long) (1e9 / rate);
		List<Disposable> tickers = new ArrayList<>();
		AtomicLong sent = new AtomicLong();
		AtomicLong sentInWindow = new AtomicLong();
		long start = System.nanoTime();
		measuring[0] = start + warmUp.toNanos();
		measuring[1] = measuring[0] + duration.toNanos();
		IntFunction<Runnable> tick = k -> () -> {
			Sinks.Many<String> out = outs.get(k);
			long now = System.nanoTime();
			String frame = target.send(k % groups, "t=" + now);
			synchronized (out) {
				out.tryEmitNext(frame);
			}
			sent.incrementAndGet();
			if (now >= measuring[0] && now < measuring[1]) {
				sentInWindow.incrementAndGet();
			}
		};
		for (int k = 0; k < senders; k++) {
			Runnable send = tick.apply(k);
			tickers.add(Flux.interval(Duration.ofNanos(periodNanos * k / Math.max(1, senders)), Duration.ofNanos(periodNanos))
				.takeWhile(i -> System.nanoTime() < measuring[1])
				.subscribe(i -> send.run()));
		}
		sleepUntil(measuring[1] + Duration.ofSeconds(2).toNanos()); // let the last ones arrive
		tickers.forEach(Disposable::dispose);
		if (target.acknowledges()) {
			// What an overloaded step left queued in the server is worked off before the next step starts,
			// so each step measures its own rate, not the one before (bounded: a backlog too long is cut).
			long drainUntil = System.nanoTime() + DRAIN_LIMIT.toNanos();
			while (acks.get() < sent.get() && System.nanoTime() < drainUntil) {
				sleepUntil(System.nanoTime() + Duration.ofMillis(100).toNanos());
			}
		}
		connections.forEach(Disposable::dispose);
		pool.disposeLater().block(Duration.ofSeconds(10));
		sleepUntil(System.nanoTime() + Duration.ofMillis(500).toNanos());
		long[] all = latencyChunks.stream().flatMapToLong(Arrays::stream).toArray();
		Arrays.sort(all);
		double seconds = duration.toNanos() / 1e9;
		return new Result(target.name(), members, groups, senders, rate, seconds, sent.get(),
				target.acknowledges() ? accepted.get() : sentInWindow.get(), deliveries.get(), all);
	}

	/** The number after {@code "t="} in a frame (Parley puts it in the JSON body; the baseline sends it bare). */
	static long stampOf(String frame) {
		int at = frame.indexOf("t=");
		if (at < 0) {
			return -1;
		}
		long value = 0;
		for (int i = at + 2; i < frame.length(); i++) {
			char c = frame.charAt(i);
			if (c < '0' || c > '9') {
				break;
			}
			value = value * 10 + (c - '0');
		}
		return value;
	}

	private static void sleepUntil(long nanoTime) {
		long left;
		while ((left = nanoTime - System.nanoTime()) > 0) {
			try {
				Thread.sleep(Math.max(1, left / 1_000_000));
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	/** Latencies of one connection, kept in plain arrays (no boxing) and handed over in chunks. */
	private static final class LatencyRecorder {

		private final ConcurrentLinkedQueue<long[]> chunks;
		private long[] current = new long[4096];
		private int size;

		LatencyRecorder(ConcurrentLinkedQueue<long[]> chunks) {
			this.chunks = chunks;
		}

		synchronized void add(long nanos) {
			if (size == current.length) {
				chunks.add(current);
				current = new long[4096];
				size = 0;
			}
			current[size++] = nanos;
		}

		synchronized void flush() {
			if (size > 0) {
				chunks.add(Arrays.copyOf(current, size));
				size = 0;
			}
		}
	}
}
