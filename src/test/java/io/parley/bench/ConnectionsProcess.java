package io.parley.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;
import reactor.netty.resources.ConnectionProvider;

/**
 * A load-generator process: holds {@code count} WebSocket connections to one server from one
 * loopback source address, each sending a heartbeat ({@code {"type":"ping"}}) now and then. This
 * machine caps open files at 20,000 per process, and one source address has about 28,000 ephemeral
 * ports, so the idle and reconnect-storm scenarios run several of these, each from its own
 * {@code 127.0.0.x}.
 * <p>
 * Every connection that closes or fails comes back by itself: exponential backoff with full jitter
 * (wait = random(0, min(cap, base·2^attempt))), no sooner than a server's hint (a {@code reconnect}
 * frame's {@code retryAfterMs}, a 503's {@code Retry-After}), exactly as the SDK does.
 * <p>
 * Arguments {@code name=value}: {@code url} (with {@code {token}} and {@code {i}} for the connection's
 * index), {@code tokens} (a file, one access token a line, used round-robin), {@code count},
 * {@code from} (source address), {@code heartbeat} (seconds), {@code opening} (handshakes in flight at
 * once). It talks to its parent on standard output, one event a line with the wall-clock
 * millisecond ({@code ready n}, {@code up ms}, {@code refused ms}, {@code failed ms}, {@code closed ms});
 * a line {@code quit} on standard input ends it.
 */
public final class ConnectionsProcess {

	private static final long BACKOFF_BASE_MS = 200;
	private static final long BACKOFF_CAP_MS = 5000;

	private final String url;
	private final List<String> tokens;
	private final HttpClient http;
	private final Duration heartbeat;
	private final PrintStream events = new PrintStream(System.out, false, StandardCharsets.UTF_8);
	private final AtomicInteger opened = new AtomicInteger();

	private ConnectionsProcess(String url, List<String> tokens, String from, Duration heartbeat) {
		this.url = url;
		this.tokens = tokens;
		this.heartbeat = heartbeat;
		this.http = HttpClient.create(ConnectionProvider.newConnection())
			.bindAddress(() -> new InetSocketAddress(from, 0))
			// A node going down may accept a connection and never answer it: a client must not wait for ever.
			.option(io.netty.channel.ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
			.compress(false);
	}

	public static void main(String[] args) throws Exception {
		java.util.Map<String, String> options = new java.util.HashMap<>();
		for (String arg : args) {
			String[] pair = arg.split("=", 2);
			options.put(pair[0], pair[1]);
		}
		List<String> tokens = options.containsKey("tokens") ? Files.readAllLines(Path.of(options.get("tokens"))) : List.of("");
		int count = Integer.parseInt(options.get("count"));
		int opening = Integer.parseInt(options.getOrDefault("opening", "32"));
		ConnectionsProcess generator = new ConnectionsProcess(options.get("url"), tokens, options.getOrDefault("from", "127.0.0.1"),
				Duration.ofSeconds(Long.parseLong(options.getOrDefault("heartbeat", "25"))));
		// The first round: at most `opening` handshakes in flight, each connection then lives on its own.
		Flux.range(0, count)
			.flatMap(i -> generator.firstOpen(i), opening)
			.blockLast();
		generator.event("ready " + generator.opened.get());
		try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
			String line;
			while ((line = in.readLine()) != null && !line.equals("quit")) {
				// nothing else is said
			}
		}
		System.exit(0);
	}

	/** Completes when connection {@code i} is first open; from then on it keeps itself connected. */
	private Mono<Void> firstOpen(int i) {
		Mono<Void> firstUp = Mono.create(up -> connect(i, 0, up::success));
		return firstUp;
	}

	private void connect(int i, int attemptNumber, Runnable firstUp) {
		String target = url.replace("{token}", tokens.get(i % tokens.size())).replace("{i}", Integer.toString(i));
		long[] hintMs = { 0 };
		boolean[] wasUp = { false };
		reactor.core.Disposable attempt = http.websocket(WebsocketClientSpec.builder().maxFramePayloadLength(1 << 20).build())
			.uri(target)
			.handle((in, out) -> {
				synchronized (wasUp) {
					wasUp[0] = true;
				}
				opened.incrementAndGet();
				event("up " + System.currentTimeMillis());
				firstUp.run();
				long offset = ThreadLocalRandom.current().nextLong(Math.max(1, heartbeat.toMillis()));
				Flux<String> pings = Flux.interval(Duration.ofMillis(offset), heartbeat).map(tick -> "{\"type\":\"ping\"}");
				Mono<Void> reading = in.receive().asString().doOnNext(frame -> {
					if (frame.startsWith("{\"type\":\"reconnect\"")) {
						hintMs[0] = numberAfter(frame, "\"retryAfterMs\":");
					}
				}).then();
				return out.sendString(pings).then().and(reading);
			})
			.then()
			.subscribe(null, error -> {
				if (wasUp[0]) {
					event("closed " + System.currentTimeMillis());
					again(i, 0, hintMs[0], firstUp);
				}
				else {
					long retryAfter = 0;
					if (error instanceof WebSocketClientHandshakeException refused && refused.response().status().code() == 503) {
						event("refused " + System.currentTimeMillis());
						String header = refused.response().headers().get("Retry-After");
						retryAfter = header == null ? 0 : Long.parseLong(header.trim()) * 1000;
					}
					else {
						event("failed " + System.currentTimeMillis());
					}
					again(i, attemptNumber + 1, retryAfter, firstUp);
				}
			}, () -> {
				event("closed " + System.currentTimeMillis());
				again(i, 0, hintMs[0], firstUp);
			});
		// A handshake that gets no answer (a node going down accepted the connection) is given up and retried.
		Schedulers.parallel().schedule(() -> {
			synchronized (wasUp) {
				if (!wasUp[0] && !attempt.isDisposed()) {
					attempt.dispose();
					event("failed " + System.currentTimeMillis());
					again(i, attemptNumber + 1, 0, firstUp);
				}
			}
		}, 30, java.util.concurrent.TimeUnit.SECONDS);
	}

	/** Full jitter, never sooner than the server's hint. */
	private void again(int i, int attempt, long hintMs, Runnable firstUp) {
		long ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS << Math.min(attempt, 20));
		long wait = Math.max(hintMs, ThreadLocalRandom.current().nextLong(ceiling + 1));
		Schedulers.parallel().schedule(() -> connect(i, attempt, firstUp), wait, java.util.concurrent.TimeUnit.MILLISECONDS);
	}

	private synchronized void event(String line) {
		events.println(line);
		events.flush();
	}

	static long numberAfter(String text, String key) {
		int at = text.indexOf(key);
		if (at < 0) {
			return 0;
		}
		long value = 0;
		for (int k = at + key.length(); k < text.length() && Character.isDigit(text.charAt(k)); k++) {
			value = value * 10 + (text.charAt(k) - '0');
		}
		return value;
	}
}
