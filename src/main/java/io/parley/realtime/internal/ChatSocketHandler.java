package io.parley.realtime.internal;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;

import io.parley.groups.Conversations;
import io.parley.history.MessageLog;
import io.parley.history.MessageSubmission;
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
	private final Presence presence;
	private final PresenceSettings presenceSettings;
	private final Typing typing;
	private final RealtimeSettings settings;

	ChatSocketHandler(FrameCodec codec, LocalConnections connections, Conversations conversations, MessageLog messages,
			Presence presence, PresenceSettings presenceSettings, Typing typing, RealtimeSettings settings) {
		this.presence = presence;
		this.typing = typing;
		this.presenceSettings = presenceSettings;
		this.codec = codec;
		this.connections = connections;
		this.conversations = conversations;
		this.messages = messages;
		this.settings = settings;
	}

	@Override
	public Mono<Void> handle(WebSocketSession session) {
		return session.getHandshakeInfo().getPrincipal().flatMap(principal -> {
			Connection connection = new Connection(Accounts.idOf(principal), session, settings.outboundQueue());
			connections.add(connection);
			connection.send(codec.encode(new ServerFrame.Welcome(connection.userId(), connection.id(),
					new ServerFrame.Welcome.Limits(settings.maxBodyCodePoints(), settings.maxFrameBytes().toBytes()))));
			// Presence this connection watches and typing in its conversations, from any node.
			Disposable signals = presence.signals(connection.userId(), connection.id())
				.subscribe(signal -> connection.send(codec.encode(ServerFrame.of(signal))));
			AtomicReference<CloseStatus> closedBy = new AtomicReference<>();
			session.closeStatus().subscribe(closedBy::set);

			Mono<Void> inbound = session.receive()
				.filter(message -> message.getType() == WebSocketMessage.Type.TEXT
						|| message.getType() == WebSocketMessage.Type.BINARY)
				.map(this::decode) // decode now: the frame's buffer is released once this returns
				.concatMap(frame -> handle(connection, frame))
				.then()
				.doFinally(signal -> connection.complete());
			Mono<Void> outbound = session.send(connection.outbound().map(session::textMessage));
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

	private ClientFrame decode(WebSocketMessage message) {
		if (message.getType() == WebSocketMessage.Type.BINARY) {
			return new ClientFrame.Invalid("malformed_frame", "Binary frames are not accepted on a JSON connection", null);
		}
		int size = message.getPayload().readableByteCount();
		if (size > settings.maxFrameBytes().toBytes()) {
			return new ClientFrame.Invalid("frame_too_large",
					"The frame has " + size + " bytes; the limit is " + settings.maxFrameBytes().toBytes(), null);
		}
		return codec.decode(message.getPayload().toString(StandardCharsets.UTF_8));
	}

	private Mono<Void> handle(Connection connection, ClientFrame frame) {
		// Java 17: no pattern matching for switch yet, so an instanceof chain over the sealed type.
		if (frame instanceof ClientFrame.Send send) {
			return send(connection, send).and(typing.messageSent(connection.userId(), send.conversationId()));
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
		if (frame instanceof ClientFrame.Ping ping) {
			connection.send(codec.encode(new ServerFrame.Pong(ping.ref())));
		}
		else if (frame instanceof ClientFrame.Invalid invalid) {
			connection.send(codec.encode(new ServerFrame.Error(invalid.code(), invalid.message(), invalid.ref())));
		}
		return Mono.empty();
	}

	private Mono<Void> typing(Connection connection, ClientFrame.Typing frame) {
		return typing.typing(connection.userId(), connection.id(), frame.conversationId(), frame.action()).doOnNext(outcome -> {
			if (outcome == TypingOutcome.NOT_A_MEMBER) {
				connection.send(codec.encode(new ServerFrame.Error("not_a_member",
						"You are not a member of conversation " + frame.conversationId(), frame.ref())));
			}
		}).then();
	}

	private Mono<Void> refused(Connection connection, Throwable e, String ref) {
		if (e instanceof ParleyException refusal) {
			connection.send(codec.encode(new ServerFrame.Error(refusal.code(), refusal.getMessage(), ref)));
		}
		else {
			log.warn("A presence frame of user {} failed", connection.userId(), e);
			connection.send(codec.encode(new ServerFrame.Error("unavailable", "Presence is not available right now", ref)));
		}
		return Mono.empty();
	}

	/**
	 * Checks membership, then hands the message to the ordered pipeline. The ack comes later, from
	 * the fan-out, once the message is stored.
	 */
	private Mono<Void> send(Connection connection, ClientFrame.Send send) {
		return conversations.isMember(send.conversationId(), connection.userId()).flatMap(member -> {
			if (!member) {
				connection.send(codec.encode(new ServerFrame.Error("not_a_member",
						"You are not a member of conversation " + send.conversationId(), send.clientMessageId())));
				return Mono.<Void>empty();
			}
			return messages.submit(new MessageSubmission(send.conversationId(), connection.userId(), send.clientMessageId(),
					send.body(), connection.id()));
		}).onErrorResume(e -> {
			log.warn("Could not hand message {} of user {} to the pipeline", send.clientMessageId(), connection.userId(), e);
			connection.send(codec.encode(new ServerFrame.Error("unavailable",
					"The message could not be accepted right now; retry with the same clientMessageId", send.clientMessageId())));
			return Mono.empty();
		});
	}
}
