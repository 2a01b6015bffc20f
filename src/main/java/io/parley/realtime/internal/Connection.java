package io.parley.realtime.internal;

import java.util.UUID;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.reactive.socket.CloseStatus;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;

/**
 * One live client connection and its bounded outbound queue. Frames come from several threads (the
 * socket's event loop for pongs and errors, Kafka listener threads for messages), so emission is
 * serialized here; order within a connection is the order of {@link #send}.
 */
final class Connection {

	/** Application close code: the client did not read fast enough; it should reconnect and page history. */
	static final CloseStatus TOO_SLOW = new CloseStatus(4008, "outbound queue full: reconnect and page history");

	private static final Logger log = LoggerFactory.getLogger(Connection.class);

	private final String id = UUID.randomUUID().toString();
	private final UUID userId;
	private final String transport;
	private final Consumer<CloseStatus> closer;
	private final Sinks.Many<OutboundFrame> outbound;
	private final java.util.Map<UUID, ConversationStream> streams = new java.util.concurrent.ConcurrentHashMap<>();

	/**
	 * @param transport what carries it ({@code websocket}, {@code sse}, {@code longpoll}, ...), for logs and metrics
	 * @param closer ends the transport under this connection with a close status (a socket close, an ended stream)
	 */
	Connection(UUID userId, String transport, Consumer<CloseStatus> closer, int queueCapacity) {
		this.userId = userId;
		this.transport = transport;
		this.closer = closer;
		this.outbound = Sinks.many().unicast().onBackpressureBuffer(Queues.<OutboundFrame>get(queueCapacity).get());
	}

	String id() {
		return id;
	}

	UUID userId() {
		return userId;
	}

	String transport() {
		return transport;
	}

	/** This connection's position in a conversation's log. */
	ConversationStream stream(UUID conversationId) {
		return streams.computeIfAbsent(conversationId, ConversationStream::new);
	}

	void forget(UUID conversationId) {
		streams.remove(conversationId);
	}

	Flux<OutboundFrame> outbound() {
		return outbound.asFlux();
	}

	void send(ServerFrame frame) {
		send(new OutboundFrame(frame));
	}

	/** Queues a frame; one shared by many connections is encoded once per wire format (see {@link OutboundFrame}). */
	synchronized void send(OutboundFrame frame) {
		Sinks.EmitResult result = outbound.tryEmitNext(frame);
		if (result == Sinks.EmitResult.FAIL_OVERFLOW) {
			log.info("Closing connection {} of user {}: outbound queue full", id, userId);
			closer.accept(TOO_SLOW); // first: a transport that reports the code learns it before the queue ends
			outbound.tryEmitComplete();
		}
	}

	synchronized void complete() {
		outbound.tryEmitComplete();
	}

	void close(CloseStatus status) {
		closer.accept(status);
	}
}
