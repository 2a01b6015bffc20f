package io.parley.realtime.internal;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import io.parley.groups.Conversations;
import io.parley.history.MessageLog;
import io.parley.history.MessageSubmission;
import io.parley.history.ReadPointers;
import io.parley.identity.Accounts;
import io.parley.presence.Presence;
import io.parley.presence.PresenceSettings;
import io.parley.presence.Typing;
import io.parley.presence.TypingOutcome;
import io.parley.realtime.RealtimeSettings;
import io.parley.shared.ParleyException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;

import java.time.Duration;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The WebSocket endpoint. The handshake is already authenticated (Spring Security). Inbound frames
 * are decoded on arrival and handled one after another ({@code concatMap}), so one connection's
 * pipelined sends reach the pipeline in the order they were sent. Everything outbound goes through
 * the connection's own bounded queue.
 */
@Component
class ChatSocketHandler implements WebSocketHandler {

	private static final Logger log = LoggerFactory.getLogger(ChatSocketHandler.class);

	private final FrameCodec codec;
	private final LocalConnections connections;
	private final Conversations conversations;
	private final MessageLog messages;
	private final Delivery delivery;
	private final Presence presence;
	private final PresenceSettings presenceSettings;
	private final Typing typing;
	private final RealtimeSettings settings;
	private final ReadPointers pointers;
	private final ProtobufFrameCodec protobuf;

	ChatSocketHandler(FrameCodec codec, ProtobufFrameCodec protobuf, LocalConnections connections, Conversations conversations, MessageLog messages,
			Delivery delivery, Presence presence, PresenceSettings presenceSettings, Typing typing,
			RealtimeSettings settings, ReadPointers pointers) {
		this.pointers = pointers;
		this.protobuf = protobuf;
		this.delivery = delivery;
		this.presence = presence;
		this.typing = typing;
		this.presenceSettings = presenceSettings;
		this.codec = codec;
		this.connections = connections;
		this.conversations = conversations;
		this.messages = messages;
		this.settings = settings;
	}

	/** Subprotocols a client may ask for; the encoding of each connection follows (see {@link WireFormat}). */
	@Override
	public List<String> getSubProtocols() {
		return WireFormat.SUBPROTOCOLS;
	}

	@Override
	public Mono<Void> handle(WebSocketSession session) {
		return session.getHandshakeInfo().getPrincipal().flatMap(principal -> {
			Connection connection = new Connection(Accounts.idOf(principal), status -> session.close(status).subscribe(), settings.outboundQueue());
			connection.send(new ServerFrame.Welcome(connection.userId(), connection.id(),
					new ServerFrame.Welcome.Limits(settings.maxBodyCodePoints(), settings.maxFrameBytes().toBytes())));
			// Presence this connection watches and typing in its conversations, from any node.
			Disposable signals = presence.signals(connection.userId(), connection.id())
				.subscribe(signal -> connection.send(ServerFrame.of(signal)));
			AtomicReference<CloseStatus> closedBy = new AtomicReference<>();
			session.closeStatus().subscribe(closedBy::set);
			// Resume positions from the handshake are set before the connection is registered for
			// fan-out, so no live entry can overtake the catch-up.
			ClientFrame resume = codec.decodeResumeParameter(session.getHandshakeInfo().getUri());
			if (resume instanceof ClientFrame.Resume cursors) {
				cursors.conversations().forEach(c -> delivery.resume(connection, c.conversationId(), c.afterSeq()));
			}
			else if (resume instanceof ClientFrame.Invalid invalid) {
				connection.send(new ServerFrame.Error(invalid.code(), invalid.message(), invalid.ref()));
			}
			connections.add(connection);

			Mono<Void> inbound = session.receive()
				.filter(message -> message.getType() == WebSocketMessage.Type.TEXT
						|| message.getType() == WebSocketMessage.Type.BINARY)
				.map(message -> decode(message, WireFormat.of(session.getHandshakeInfo()))) // decode now: the frame's buffer is released once this returns
				.concatMap(frame -> handle(connection, frame))
				.then()
				.doFinally(signal -> connection.complete());
			// Each frame is serialized once per wire format, however many connections it goes to (see OutboundFrame).
			Mono<Void> outbound = session.send(connection.outbound().map(frame -> WireFormat.of(session.getHandshakeInfo()) == WireFormat.PROTOBUF
					? session.binaryMessage(buffers -> buffers.wrap(frame.protobuf(protobuf)))
					: session.textMessage(frame.json(codec))));
			// Presence: renew this device's entry while the socket lives; a dead node's entries expire.
			Disposable presenceRenewal = Flux.interval(Duration.ZERO, presenceSettings.refreshInterval())
				.concatMap(tick -> presence.deviceLive(connection.userId(), connection.id())
					.onErrorResume(e -> Mono.empty()))
				.subscribe();
			return Mono.when(inbound, outbound).doFinally(signal -> {
				presenceRenewal.dispose();
				signals.dispose();
				connections.remove(connection);
				typing.connectionClosed(connection.userId(), connection.id()).subscribe();
				// Only a client's normal close (1000, e.g. logging out) takes the device away at once. A
				// reload (1001), a dropped network or a dying node leave the entry to expire within the
				// TTL, so a quick reconnect shows watchers no offline/online flap.
				CloseStatus closed = closedBy.get();
				if (closed != null && closed.getCode() == CloseStatus.NORMAL.getCode()) {
					presence.deviceGone(connection.userId(), connection.id()).onErrorResume(e -> Mono.empty()).subscribe();
				}
			});
		});
	}

	/**
	 * A JSON connection takes text frames only, a Protobuf connection binary frames only: the other
	 * kind is refused with {@code malformed_frame} and the connection stays open.
	 */
	private ClientFrame decode(WebSocketMessage message, WireFormat format) {
		boolean binary = message.getType() == WebSocketMessage.Type.BINARY;
		if (format == WireFormat.JSON && binary) {
			return new ClientFrame.Invalid("malformed_frame", "Binary frames are not accepted on a JSON connection", null);
		}
		if (format == WireFormat.PROTOBUF && !binary) {
			return new ClientFrame.Invalid("malformed_frame",
					"Text frames are not accepted on a Protobuf connection (subprotocol " + format.subprotocol() + ")", null);
		}
		int size = message.getPayload().readableByteCount();
		if (size > settings.maxFrameBytes().toBytes()) {
			return new ClientFrame.Invalid("frame_too_large",
					"The frame has " + size + " bytes; the limit is " + settings.maxFrameBytes().toBytes(), null);
		}
		try {
			if (binary) {
				byte[] bytes = new byte[size];
				message.getPayload().read(bytes);
				return protobuf.decode(bytes);
			}
			return codec.decode(message.getPayload().toString(StandardCharsets.UTF_8));
		}
		catch (RuntimeException unexpected) {
			// The codec refuses by value, not by exception; this is the safety net that keeps one odd
			// frame from ending the connection.
			log.warn("Frame decoding failed unexpectedly", unexpected);
			return new ClientFrame.Invalid("malformed_frame", "The frame could not be read", null);
		}
	}

	private Mono<Void> handle(Connection connection, ClientFrame frame) {
		// Java 17: no pattern matching for switch yet, so an instanceof chain over the sealed type.
		if (frame instanceof ClientFrame.Send send) {
			return submit(connection, send.conversationId(), send.clientMessageId(), MessageSubmission.message(
					send.conversationId(), connection.userId(), send.clientMessageId(), send.body(), connection.id()))
				.and(typing.messageSent(connection.userId(), send.conversationId()));
		}
		if (frame instanceof ClientFrame.Edit edit) {
			return submit(connection, edit.conversationId(), edit.clientMessageId(), MessageSubmission.edit(edit.conversationId(),
					connection.userId(), edit.clientMessageId(), edit.seq(), edit.expectedVersion(), edit.body(), connection.id()));
		}
		if (frame instanceof ClientFrame.Delete delete) {
			return submit(connection, delete.conversationId(), delete.clientMessageId(), MessageSubmission.delete(
					delete.conversationId(), connection.userId(), delete.clientMessageId(), delete.seq(), connection.id()));
		}
		if (frame instanceof ClientFrame.Resume resume) {
			resume.conversations().forEach(c -> delivery.resume(connection, c.conversationId(), c.afterSeq()));
			return Mono.empty();
		}
		if (frame instanceof ClientFrame.Fetch fetch) {
			return delivery.fetch(connection, fetch).onErrorResume(e -> {
				connection.send(new ServerFrame.Error("unavailable", "History could not be read; retry", fetch.ref()));
				return Mono.empty();
			});
		}
		if (frame instanceof ClientFrame.Typing typingFrame) {
			return typing(connection, typingFrame);
		}
		if (frame instanceof ClientFrame.PresenceSubscribe subscribe) {
			return presence.watch(connection.id(), connection.userId(), subscribe.userIds(), subscribe.ref())
				.onErrorResume(e -> refused(connection, e, subscribe.ref()));
		}
		if (frame instanceof ClientFrame.PresenceSet set) {
			return presence.setAway(connection.userId(), connection.id(), set.away())
				.onErrorResume(e -> refused(connection, e, set.ref()));
		}
		if (frame instanceof ClientFrame.Receipt receipt) {
			return pointers.advance(receipt.conversationId(), connection.userId(), receipt.seq(), receipt.read() ? receipt.seq() : 0)
				.then()
				.onErrorResume(e -> refused(connection, e, receipt.ref()));
		}
		if (frame instanceof ClientFrame.Ping ping) {
			connection.send(new ServerFrame.Pong(ping.ref()));
		}
		else if (frame instanceof ClientFrame.Invalid invalid) {
			connection.send(new ServerFrame.Error(invalid.code(), invalid.message(), invalid.ref()));
		}
		return Mono.empty();
	}

	private Mono<Void> typing(Connection connection, ClientFrame.Typing frame) {
		return typing.typing(connection.userId(), connection.id(), frame.conversationId(), frame.action()).doOnNext(outcome -> {
			if (outcome == TypingOutcome.NOT_A_MEMBER) {
				connection.send(new ServerFrame.Error("not_a_member",
						"You are not a member of conversation " + frame.conversationId(), frame.ref()));
			}
		}).then();
	}

	private Mono<Void> refused(Connection connection, Throwable e, String ref) {
		if (e instanceof ParleyException refusal) {
			connection.send(new ServerFrame.Error(refusal.code(), refusal.getMessage(), ref));
		}
		else {
			log.warn("A presence or receipt frame of user {} failed", connection.userId(), e);
			connection.send(new ServerFrame.Error("unavailable", "Not available right now; retry", ref));
		}
		return Mono.empty();
	}

	/**
	 * Checks membership (a fast refusal; the sequencer checks again, authoritatively), then hands the
	 * submission to the ordered pipeline. The ack or refusal comes later, once the sequencer decided.
	 */
	private Mono<Void> submit(Connection connection, UUID conversationId, String clientMessageId, MessageSubmission submission) {
		return conversations.isMember(conversationId, connection.userId()).flatMap(member -> {
			if (!member) {
				connection.send(new ServerFrame.Error("not_a_member",
						"You are not a member of conversation " + conversationId, clientMessageId));
				return Mono.<Void>empty();
			}
			return messages.submit(submission);
		}).onErrorResume(e -> {
			log.warn("Could not hand {} of user {} to the pipeline", clientMessageId, connection.userId(), e);
			connection.send(new ServerFrame.Error("unavailable",
					"Not accepted right now; retry with the same clientMessageId", clientMessageId));
			return Mono.empty();
		});
	}
}
