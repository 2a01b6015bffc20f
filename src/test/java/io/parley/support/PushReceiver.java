package io.parley.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real HTTP server that the webhook push gateway of every Parley node in the test JVM posts to
 * (wired in by {@code LocalEnginesInitializer} and {@link SecondNode}). Tests use their own device
 * tokens, so they only look at their own pushes; a token can be told to fail its next N requests
 * (503) to exercise retries and the outbox.
 */
public final class PushReceiver {

	/** One received POST: the JSON body and its Idempotency-Key header. */
	public record Push(JsonNode body, String idempotencyKey) {

		public String token() {
			return body.get("token").asString();
		}

		public int count() {
			return body.get("count").asInt();
		}
	}

	private static final JsonMapper json = JsonMapper.builder().build();
	private static volatile PushReceiver shared;

	private final HttpServer server;
	private final List<Push> received = new CopyOnWriteArrayList<>();
	private final Map<String, AtomicInteger> failNext = new ConcurrentHashMap<>();
	private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

	private PushReceiver() {
		try {
			server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		server.setExecutor(Executors.newCachedThreadPool(r -> {
			Thread t = new Thread(r, "push-receiver");
			t.setDaemon(true);
			return t;
		}));
		server.createContext("/push", exchange -> {
			JsonNode body = json.readTree(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
			String token = body.path("token").asString("");
			attempts.computeIfAbsent(token, t -> new AtomicInteger()).incrementAndGet();
			AtomicInteger failures = failNext.get(token);
			int status;
			if (failures != null && failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
				status = 503;
			}
			else {
				received.add(new Push(body, exchange.getRequestHeaders().getFirst("Idempotency-Key")));
				status = 204;
			}
			exchange.sendResponseHeaders(status, -1);
			exchange.close();
		});
		server.start();
	}

	public static PushReceiver shared() {
		if (shared == null) {
			synchronized (PushReceiver.class) {
				if (shared == null) {
					shared = new PushReceiver();
				}
			}
		}
		return shared;
	}

	public String url() {
		return "http://127.0.0.1:" + server.getAddress().getPort() + "/push";
	}

	/** Pushes accepted for this device token, in arrival order. */
	public List<Push> pushesTo(String token) {
		return received.stream().filter(p -> p.token().equals(token)).toList();
	}

	/** POSTs for this token so far, refused ones included. */
	public int attemptsFor(String token) {
		AtomicInteger n = attempts.get(token);
		return n == null ? 0 : n.get();
	}

	/** The next {@code n} requests for this token are answered 503. */
	public void failNext(String token, int n) {
		failNext.put(token, new AtomicInteger(n));
	}
}
