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
	/** Set when SSE or long polling carries this client instead of a WebSocket. */
	private HttpWire http;

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
		this(uri, encoding, reactor.netty.http.client.HttpClient.create(), new org.springframework.http.HttpHeaders());
	}

	private ChatClient(URI uri, Encoding encoding, reactor.netty.http.client.HttpClient http) {
		this(uri, encoding, http, new org.springframework.http.HttpHeaders());
	}

	private ChatClient(URI uri, Encoding encoding, org.springframework.http.HttpHeaders headers) {
		this(uri, encoding, reactor.netty.http.client.HttpClient.create(), headers);
	}

	private ChatClient(URI uri, Encoding encoding, reactor.netty.http.client.HttpClient http,
			org.springframework.http.HttpHeaders headers) {
		this.encoding = encoding;
		this.connection = new ReactorNettyWebSocketClient(http.doOnConnected(c -> channel.set(c.channel()))).execute(uri, headers,
				new WebSocketHandler() {

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

	/** Connects with extra handshake headers (e.g. the {@code Origin} a browser page would send). */
	public static ChatClient connectWithHeaders(int port, String token, org.springframework.http.HttpHeaders headers) {
		ChatClient client = new ChatClient(URI.create("ws://localhost:" + port + "/ws?access_token=" + token), Encoding.DEFAULT,
				headers);
		client.sessionId = client.expect("welcome").get("sessionId").asString();
		return client;
	}

	/** The transports a client can be carried by; every one gives the same frames. */
	public enum Transport {
		WEBSOCKET, SSE, LONG_POLL
	}

	/** Connects over the given transport and resumes from {@code resume} ("conv:seq,..." or null). */
	public static ChatClient connect(int port, String token, String resume, Transport transport) {
		if (transport == Transport.WEBSOCKET) {
			return connect(port, token, resume);
		}
		ChatClient client = new ChatClient(new HttpWire(port, token, transport == Transport.SSE));
		client.http.start(client, resume);
		client.sessionId = client.expect("welcome").get("sessionId").asString();
		client.http.sessionId = client.sessionId;
		return client;
	}

	private ChatClient(HttpWire wire) {
		this.encoding = Encoding.DEFAULT;
		this.http = wire;
	}

	/** The transport under this client. */
	public Transport transport() {
		return http == null ? Transport.WEBSOCKET : http.sse ? Transport.SSE : Transport.LONG_POLL;
	}

	/** SSE: the id of the last event that had one (what a browser would send as Last-Event-ID). */
	public String lastEventId() {
		return http.lastEventId;
	}

	/** SSE: comment lines (heartbeats) received so far. */
	public int heartbeats() {
		return http.heartbeats.get();
	}

	/** Long polling: the cursor the next poll carries. */
	public String pollCursor() {
		return http.cursor;
	}

	/** SSE, as a browser's EventSource reconnects: the URL it was opened with, plus Last-Event-ID. */
	public static ChatClient connectSse(int port, String token, String resume, String lastEventId) {
		HttpWire wire = new HttpWire(port, token, true);
		wire.lastEventId = lastEventId;
		ChatClient client = new ChatClient(wire);
		wire.start(client, resume);
		client.sessionId = client.expect("welcome").get("sessionId").asString();
		wire.sessionId = client.sessionId;
		return client;
	}

	/** Long polling: stops polling (the session on the server lives on until it expires). */
	public void pausePolling() {
		http.pause();
	}

	/** Long polling: polls again, with the session id and cursor it had. */
	public void resumePolling() {
		http.pollLoop(this);
	}

	/** Long polling: the session id the last answer named (a new one after the server resumed anew). */
	public String pollSessionId() {
		return http.sessionId;
	}

	/** Long polling: the next answer is thrown away unread, as if the response were lost on the way. */
	public void loseNextPollResponse() {
		http.loseNext = true;
	}

	/** Long polling: how many polls were answered. */
	public int polls() {
		return http.polls.get();
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
		if (http != null) {
			http.stop();
			return;
		}
		connection.dispose();
	}

	/** Sends a raw text frame exactly as given. */
	public synchronized ChatClient sendRaw(String frame) {
		if (http != null) {
			http.post(frame);
			return this;
		}
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

	/** The next frame of the ordered stream (membership hints set aside) if one comes within {@code wait}, else null. */
	public JsonNode nextWithin(Duration wait) {
		long deadline = System.nanoTime() + wait.toNanos();
		try {
			while (true) {
				JsonNode frame = stash.poll();
				if (frame == null) {
					long left = deadline - System.nanoTime();
					frame = left > 0 ? received.poll(left, TimeUnit.NANOSECONDS) : null;
					if (frame == null) {
						return null;
					}
				}
				if (isHint(frame.get("type").asString())) {
					hints.add(frame);
				}
				else {
					return frame;
				}
			}
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(e);
		}
	}

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
		if (http != null) {
			if (status.getCode() == CloseStatus.NORMAL.getCode()) {
				http.end();
			}
			http.stop();
			return;
		}
		if (session != null) {
			session.close(status).block(Duration.ofSeconds(5));
		}
		connection.dispose();
	}

	@Override
	public void close() {
		if (http != null) {
			http.end();
			http.stop();
			return;
		}
		if (session != null) {
			session.close().block(Duration.ofSeconds(5));
		}
		connection.dispose();
	}

	/**
	 * SSE or long polling under a client: events arrive on a stream or by polls, frames go out as
	 * POSTs, one after another in the order sent (each waits for the previous one's 202).
	 */
	private static final class HttpWire {

		private static final org.springframework.core.ParameterizedTypeReference<org.springframework.http.codec.ServerSentEvent<String>> SSE_EVENT =
				new org.springframework.core.ParameterizedTypeReference<>() {
				};

		final boolean sse;
		private final String token;
		private final org.springframework.web.reactive.function.client.WebClient web;
		private final Sinks.Many<String> posts = Sinks.many().unicast().onBackpressureBuffer();
		volatile String sessionId;
		volatile String lastEventId;
		volatile String cursor;
		volatile boolean loseNext;
		final java.util.concurrent.atomic.AtomicInteger heartbeats = new java.util.concurrent.atomic.AtomicInteger();
		final java.util.concurrent.atomic.AtomicInteger polls = new java.util.concurrent.atomic.AtomicInteger();
		private volatile boolean stopped;
		private Disposable stream;
		private Disposable sender;

		HttpWire(int port, String token, boolean sse) {
			this.sse = sse;
			this.token = token;
			this.web = org.springframework.web.reactive.function.client.WebClient.builder()
				.baseUrl("http://localhost:" + port)
				.codecs(c -> c.defaultCodecs().maxInMemorySize(16 * 1024 * 1024))
				.build();
		}

		void start(ChatClient client, String resume) {
			sender = posts.asFlux()
				.concatMap(frame -> web.post()
					.uri("/api/sessions/{id}/frames", sessionId)
					.header("Authorization", "Bearer " + token)
					.contentType(org.springframework.http.MediaType.APPLICATION_JSON)
					.bodyValue(frame)
					.retrieve()
					.toBodilessEntity()
					.onErrorResume(e -> Mono.empty()))
				.subscribe();
			if (sse) {
				stream = web.get()
					.uri(b -> b.path("/sse").queryParam("access_token", token).queryParamIfPresent("resume", java.util.Optional.ofNullable(resume)).build())
					.accept(org.springframework.http.MediaType.TEXT_EVENT_STREAM)
					.headers(h -> {
						if (lastEventId != null) {
							h.set("Last-Event-ID", lastEventId);
						}
					})
					.retrieve()
					.bodyToFlux(SSE_EVENT)
					.subscribe(event -> {
						if (event.data() == null) {
							heartbeats.incrementAndGet();
							return;
						}
						if (event.id() != null) {
							lastEventId = event.id();
						}
						JsonNode frame = json.readTree(event.data());
						if ("close".equals(event.event())) {
							client.closed.tryEmitValue(new CloseStatus(frame.get("code").asInt(), frame.get("reason").asString()));
							return;
						}
						client.received.add(frame);
					}, e -> client.closed.tryEmitValue(CloseStatus.NO_CLOSE_FRAME), () -> client.closed.tryEmitValue(CloseStatus.NO_CLOSE_FRAME));
				return;
			}
			JsonNode created = web.post()
				.uri(b -> b.path("/api/sessions").queryParamIfPresent("resume", java.util.Optional.ofNullable(resume)).build())
				.header("Authorization", "Bearer " + token)
				.retrieve()
				.bodyToMono(JsonNode.class)
				.block(WAIT);
			sessionId = created.get("sessionId").asString();
			cursor = created.get("cursor").asString();
			pollLoop(client);
		}

		/** Polls one after another, each with the cursor of the last answer read, until stopped. */
		void pollLoop(ChatClient client) {
			stopped = false;
			stream = Mono.defer(() -> web.get()
				.uri(b -> b.path("/api/sessions/" + sessionId + "/events").queryParam("cursor", cursor).build())
				.header("Authorization", "Bearer " + token)
				.retrieve()
				.bodyToMono(JsonNode.class))
				.doOnNext(batch -> {
					polls.incrementAndGet();
					if (loseNext) {
						loseNext = false;
						return; // unread: the cursor stays where it was
					}
					sessionId = batch.get("sessionId").asString();
					cursor = batch.get("cursor").asString();
					batch.get("events").forEach(client.received::add);
					if (batch.has("closed")) {
						client.closed.tryEmitValue(new CloseStatus(batch.get("closed").get("code").asInt()));
					}
				})
				.repeat(() -> !stopped)
				.subscribe(null, e -> client.closed.tryEmitValue(CloseStatus.NO_CLOSE_FRAME));
		}

		void pause() {
			stopped = true;
			if (stream != null) {
				stream.dispose();
			}
		}

		void post(String frame) {
			posts.tryEmitNext(frame);
		}

		/** Ends the session on the server deliberately (the device goes offline at once). */
		void end() {
			if (sessionId != null) {
				web.delete().uri("/api/sessions/{id}", sessionId).header("Authorization", "Bearer " + token)
					.retrieve().toBodilessEntity().onErrorResume(e -> Mono.empty()).block(Duration.ofSeconds(5));
			}
		}

		/** Stops receiving without a word to the server, as a client whose network vanished. */
		void stop() {
			stopped = true;
			if (stream != null) {
				stream.dispose();
			}
			if (sender != null) {
				sender.dispose();
			}
		}
	}
}
