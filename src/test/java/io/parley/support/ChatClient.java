package io.parley.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.client.ReactorNettyWebSocketClient;

import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real WebSocket client for tests (Reactor Netty, as a Java client of Parley would use). Frames
 * received are queued in arrival order; {@link #expect(String)} takes the next one and checks its type.
 */
public final class ChatClient implements AutoCloseable {

	private static final JsonMapper json = JsonMapper.builder().build();
	private static final Duration WAIT = Duration.ofSeconds(20);

	private final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
	private final Sinks.Many<WebSocketMessage> outbound = Sinks.many().unicast().onBackpressureBuffer();
	private final Sinks.One<CloseStatus> closed = Sinks.one();
	private volatile org.springframework.web.reactive.socket.WebSocketSession session;
	private final Disposable connection;

	private ChatClient(URI uri) {
		this.connection = new ReactorNettyWebSocketClient().execute(uri, s -> {
			this.session = s;
			s.closeStatus().subscribe(closed::tryEmitValue);
			Mono<Void> in = s.receive().doOnNext(m -> received.add(json.readTree(m.getPayloadAsText()))).then();
			Mono<Void> out = s.send(outbound.asFlux());
			return Mono.when(in, out);
		}).subscribe();
	}

	public static ChatClient connect(int port, String token) {
		ChatClient client = new ChatClient(URI.create("ws://localhost:" + port + "/ws?access_token=" + token));
		client.expect("welcome");
		return client;
	}

	/** Sends a raw text frame exactly as given. */
	public synchronized ChatClient sendRaw(String frame) {
		awaitSession();
		outbound.tryEmitNext(session.textMessage(frame));
		return this;
	}

	public synchronized ChatClient sendBinary(byte[] bytes) {
		awaitSession();
		outbound.tryEmitNext(session.binaryMessage(f -> f.wrap(bytes)));
		return this;
	}

	/** Sends a message and returns the client message id used. */
	public String send(UUID conversation, String body) {
		String clientMessageId = UUID.randomUUID().toString();
		send(conversation, clientMessageId, body);
		return clientMessageId;
	}

	public ChatClient send(UUID conversation, String clientMessageId, String body) {
		return sendRaw(json.writeValueAsString(Map.of("type", "send", "conversationId", conversation.toString(),
				"clientMessageId", clientMessageId, "body", body)));
	}

	/** Sends a frame built from the given fields. */
	public ChatClient sendFrame(Map<String, ?> frame) {
		return sendRaw(json.writeValueAsString(frame));
	}

	public ChatClient typing(String action, UUID conversation) {
		return sendFrame(Map.of("type", "typing." + action, "conversationId", conversation.toString()));
	}

	/** Watches the users' presence; the answer is a presence.state frame. */
	public ChatClient subscribePresence(UUID... userIds) {
		return sendFrame(Map.of("type", "presence.subscribe", "userIds", java.util.Arrays.stream(userIds).map(UUID::toString).toList()));
	}

	/** The next frame, which must be of the given type. */
	public JsonNode expect(String type) {
		JsonNode frame = next();
		assertThat(frame.get("type").asString()).as("type of frame %s", frame).isEqualTo(type);
		return frame;
	}

	public JsonNode next() {
		try {
			JsonNode frame = received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
			if (frame == null) {
				fail("No frame within " + WAIT);
			}
			return frame;
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(e);
		}
	}

	/** Frames received and not yet taken. */
	public int pending() {
		return received.size();
	}

	public CloseStatus awaitClose() {
		return closed.asMono().block(WAIT);
	}

	private void awaitSession() {
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (session == null && System.nanoTime() < deadline) {
			Thread.onSpinWait();
		}
		assertThat(session).as("WebSocket session").isNotNull();
	}

	/** Closes with the given status, e.g. 1001 as a browser does on reload. */
	public void close(CloseStatus status) {
		if (session != null) {
			session.close(status).block(Duration.ofSeconds(5));
		}
		connection.dispose();
	}

	@Override
	public void close() {
		if (session != null) {
			session.close().block(Duration.ofSeconds(5));
		}
		connection.dispose();
	}
}
