package io.parley.realtime.internal;

import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketSession;

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
	private final WebSocketSession session;
	private final Sinks.Many<String> outbound;
	private final java.util.Map<UUID, ConversationStream> streams = new java.util.concurrent.ConcurrentHashMap<>();

	Connection(UUID userId, WebSocketSession session, int queueCapacity) {
		this.userId = userId;
		this.session = session;
		this.outbound = Sinks.many().unicast().onBackpressureBuffer(Queues.<String>get(queueCapacity).get());
	}

	String id() {
		return id;
	}

	UUID userId() {
		return userId;
	}

	/** This connection's position in a conversation's log. */
	ConversationStream stream(UUID conversationId) {
		return streams.computeIfAbsent(conversationId, ConversationStream::new);
	}

	void forget(UUID conversationId) {
		streams.remove(conversationId);
	}

	Flux<String> outbound() {
		return outbound.asFlux();
	}

	synchronized void send(String frame) {
		Sinks.EmitResult result = outbound.tryEmitNext(frame);
		if (result == Sinks.EmitResult.FAIL_OVERFLOW) {
			log.info("Closing connection {} of user {}: outbound queue full", id, userId);
			outbound.tryEmitComplete();
			session.close(TOO_SLOW).subscribe();
		}
	}

	synchronized void complete() {
		outbound.tryEmitComplete();
	}

	void close(CloseStatus status) {
		session.close(status).subscribe();
	}
}
