package io.parley.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketHandler;
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
 * <p>
 * It speaks either encoding: a {@link Encoding#PROTOBUF} client asks for the subprotocol
 * {@code parley.v1.proto}, sends and receives binary frames only, and shows the frames it receives as
 * the JSON tree of the same frame ({@link ProtobufFrames}), so a test reads both kinds of client alike.
 */
public final class ChatClient implements AutoCloseable {

	private static final JsonMapper json = JsonMapper.builder().build();
	private static final Duration WAIT = Duration.ofSeconds(20);

	private final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
	private final Sinks.Many<WebSocketMessage> outbound = Sinks.many().unicast().onBackpressureBuffer();
	private final Sinks.One<CloseStatus> closed = Sinks.one();
	private volatile org.springframework.web.reactive.socket.WebSocketSession session;
	private Disposable connection;

	/** The wire format a client asks for at the handshake. */
	public enum Encoding {

		/** No subprotocol offered: JSON, as every client before subprotocols. */
		DEFAULT(List.of()),
		JSON(List.of("parley.v1.json")),
		PROTOBUF(List.of("parley.v1.proto"));

		private final List<String> subprotocols;

		Encoding(List<String> subprotocols) {
			this.subprotocols = subprotocols;
		}
	}

	private final Encoding encoding;
	/** Text frames received: a Protobuf client should get none. */
	private final java.util.concurrent.atomic.AtomicInteger textFrames = new java.util.concurrent.atomic.AtomicInteger();

	/** The TCP channel under this client, to pause reading (see {@link #pauseReading()}). */
	private final java.util.concurrent.atomic.AtomicReference<io.netty.channel.Channel> channel = new java.util.concurrent.atomic.AtomicReference<>();

	private ChatClient(URI uri, Encoding encoding) {
		this(uri, encoding, reactor.netty.http.client.HttpClient.create());
	}

	private ChatClient(URI uri, Encoding encoding, reactor.netty.http.client.HttpClient http) {
		this.encoding = encoding;
		this.connection = new ReactorNettyWebSocketClient(http.doOnConnected(c -> channel.set(c.channel()))).execute(uri, new WebSocketHandler() {

			@Override
			public List<String> getSubProtocols() {
				return encoding.subprotocols;
			}

			@Override
			public Mono<Void> handle(org.springframework.web.reactive.socket.WebSocketSession s) {
				session = s;
				// A connection reset while the peer still writes ends without a close frame: 1006.
				s.closeStatus().defaultIfEmpty(CloseStatus.NO_CLOSE_FRAME).subscribe(closed::tryEmitValue,
						e -> closed.tryEmitValue(CloseStatus.NO_CLOSE_FRAME));
				Mono<Void> in = s.receive().doOnNext(m -> received.add(read(m))).then();
				Mono<Void> out = s.send(outbound.asFlux());
				return Mono.when(in, out);
			}
		}).subscribe(null, e -> closed.tryEmitValue(CloseStatus.NO_CLOSE_FRAME), () -> closed.tryEmitValue(CloseStatus.NO_CLOSE_FRAME));
	}

	private JsonNode read(WebSocketMessage message) {
		if (message.getType() == WebSocketMessage.Type.BINARY) {
			byte[] bytes = new byte[message.getPayload().readableByteCount()];
			message.getPayload().read(bytes);
			return ProtobufFrames.toJson(bytes);
		}
		textFrames.incrementAndGet();
		return json.readTree(message.getPayloadAsText());
	}

	private volatile String sessionId;

	/**
	 * Connects with a small, fixed TCP receive buffer (no autotuning), so that once the client stops
	 * reading ({@link #pauseReading()}) TCP backpressure reaches the server after a few frames.
	 */
	public static ChatClient connectSlowReader(int port, String token) {
		reactor.netty.http.client.HttpClient http = reactor.netty.http.client.HttpClient.create()
			.option(io.netty.channel.ChannelOption.SO_RCVBUF, 8192);
		ChatClient client = new ChatClient(URI.create("ws://localhost:" + port + "/ws?access_token=" + token), Encoding.DEFAULT, http);
		client.sessionId = client.expect("welcome").get("sessionId").asString();
		return client;
	}

	/** Stops reading from the socket: nothing more is read from the kernel, so the server's writes back up. */
	public ChatClient pauseReading() {
		channel.get().config().setAutoRead(false);
		return this;
	}

	/** Reads again (everything the kernel buffered first). */
	public ChatClient resumeReading() {
		io.netty.channel.Channel c = channel.get();
		c.config().setAutoRead(true);
		c.read();
		return this;
	}

	/** Whether the connection ended (a close frame, or the TCP connection going away). */
	public boolean isClosed() {
		return closed.asMono().toFuture().isDone();
	}

	public static ChatClient connect(int port, String token) {
		return connect(port, token, null);
	}

	/** Connects and resumes: {@code resume} is "conv:seq,conv:seq" as the handshake takes it. */
	public static ChatClient connect(int port, String token, String resume) {
		return connect(port, token, resume, Encoding.DEFAULT);
	}

	public static ChatClient connect(int port, String token, String resume, Encoding encoding) {
		String query = "access_token=" + token + (resume == null ? "" : "&resume=" + resume);
		ChatClient client = new ChatClient(URI.create("ws://localhost:" + port + "/ws?" + query), encoding);
		client.sessionId = client.expect("welcome").get("sessionId").asString();
		return client;
	}

	/** The server's id of this connection (where acks and refusals are addressed). */
	public String sessionId() {
		return sessionId;
	}

	/** Sends a frame built from the given map, in this client's encoding. */
	public ChatClient sendFrame(Map<String, ?> frame) {
		return encoding == Encoding.PROTOBUF ? sendBinary(ProtobufFrames.toProtobuf(frame)) : sendRaw(json.writeValueAsString(frame));
	}

	/** The subprotocol the server chose at the handshake (null: none, which means JSON). */
	public String subprotocol() {
		awaitSession();
		return session.getHandshakeInfo().getSubProtocol();
	}

	/** How many text frames this client received (a Protobuf client should receive none). */
	public int textFramesReceived() {
		return textFrames.get();
	}

	/** Drops the TCP connection without a close handshake, as a phone losing its network would. */
	public void drop() {
		connection.dispose();
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
		return sendFrame(Map.of("type", "send", "conversationId", conversation.toString(), "clientMessageId", clientMessageId,
				"body", body));
	}

	public ChatClient typing(String action, UUID conversation) {
		return sendFrame(Map.of("type", "typing." + action, "conversationId", conversation.toString()));
	}

	/** Watches the users' presence; the answer is a presence.state frame. */
	public ChatClient subscribePresence(UUID... userIds) {
		return sendFrame(Map.of("type", "presence.subscribe", "userIds", java.util.Arrays.stream(userIds).map(UUID::toString).toList()));
	}

	/**
	 * The next frame, which must be of the given type. Membership hints ({@code conversation.added},
	 * {@code conversation.removed}) travel out of band (Redis) and may arrive at any point, so they are
	 * set aside unless asked for by type.
	 */
	public JsonNode expect(String type) {
		if (isHint(type)) {
			return nextHint(type);
		}
		JsonNode frame = next();
		assertThat(frame.get("type").asString()).as("type of frame %s", frame).isEqualTo(type);
		return frame;
	}

	/** The next frame of the ordered stream (membership hints set aside). */
	public JsonNode next() {
		while (true) {
			JsonNode frame = poll();
			if (isHint(frame.get("type").asString())) {
				hints.add(frame);
			}
			else {
				return frame;
			}
		}
	}

	/**
	 * Frames that travel out of band (Redis hints) rather than in the seq-ordered stream: membership
	 * ({@code conversation.*}) and pointer moves ({@code receipt.updated}, {@code unread.updated}).
	 */
	private static boolean isHint(String type) {
		return type.startsWith("conversation.") || type.startsWith("receipt.") || type.startsWith("unread.");
	}

	/** Takes every hint of this type received so far (set aside or queued), without waiting. */
	public java.util.List<JsonNode> hintsOf(String type) {
		JsonNode frame;
		while ((frame = received.poll()) != null) {
			if (isHint(frame.get("type").asString())) {
				hints.add(frame);
			}
			else {
				stash.add(frame);
			}
		}
		java.util.List<JsonNode> found = hints.stream().filter(h -> h.get("type").asString().equals(type)).toList();
		hints.removeAll(found);
		return found;
	}

	private JsonNode nextHint(String type) {
		for (JsonNode hint : hints) {
			if (hint.get("type").asString().equals(type)) {
				hints.remove(hint);
				return hint;
			}
		}
		while (true) {
			JsonNode frame = pollQueue();
			if (frame.get("type").asString().equals(type)) {
				return frame;
			}
			if (isHint(frame.get("type").asString())) {
				hints.add(frame);
			}
			else {
				stash.add(frame); // an ordered-stream frame that came first: next() returns it
			}
		}
	}

	private JsonNode poll() {
		if (!stash.isEmpty()) {
			return stash.poll();
		}
		return pollQueue();
	}

	private JsonNode pollQueue() {
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

	private final java.util.List<JsonNode> hints = new java.util.concurrent.CopyOnWriteArrayList<>();
	private final java.util.Queue<JsonNode> stash = new java.util.concurrent.ConcurrentLinkedQueue<>();

	/** Takes every frame of the ordered stream received so far, without waiting. */
	public java.util.List<JsonNode> drainAvailable() {
		java.util.List<JsonNode> frames = new java.util.ArrayList<>();
		JsonNode frame;
		while ((frame = stash.poll()) != null || (frame = received.poll()) != null) {
			if (!isHint(frame.get("type").asString())) {
				frames.add(frame);
			}
		}
		return frames;
	}

	/** Frames of the ordered stream received and not yet taken. */
	public int pending() {
		return (int) received.stream().filter(f -> !isHint(f.get("type").asString())).count();
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
