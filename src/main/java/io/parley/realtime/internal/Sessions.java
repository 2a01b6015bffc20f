package io.parley.realtime.internal;

import java.time.Duration;
import java.util.UUID;
import java.util.function.Consumer;

import io.parley.groups.Conversations;
import io.parley.history.MessageLog;
import io.parley.history.MessageSubmission;
import io.parley.history.ReadPointers;
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

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The one session model behind every transport (WebSocket, Server-Sent Events, long polling, MQTT):
 * a transport authenticates, opens a {@link Session}, feeds it decoded {@link ClientFrame}s and
 * drains its {@link Connection#outbound()} queue in its own way. Everything a client can rely on
 * (acks, exactly-once in-order delivery, resume, presence, typing, receipts) lives here once.
 */
@Component
class Sessions {

	private static final Logger log = LoggerFactory.getLogger(Sessions.class);

	private final LocalConnections connections;
	private final Conversations conversations;
	private final MessageLog messages;
	private final Delivery delivery;
	private final Presence presence;
	private final PresenceSettings presenceSettings;
	private final Typing typing;
	private final RealtimeSettings settings;
	private final ReadPointers pointers;
	private final TokenLifetimes tokens;
	private final SendRateLimit sendLimit;
	private final GatewayMetrics metrics;

	Sessions(LocalConnections connections, Conversations conversations, MessageLog messages, Delivery delivery,
			Presence presence, PresenceSettings presenceSettings, Typing typing, RealtimeSettings settings,
			ReadPointers pointers, GatewayMetrics metrics, TokenLifetimes tokens, SendRateLimit sendLimit) {
		this.tokens = tokens;
		this.sendLimit = sendLimit;
		this.metrics = metrics;
		this.connections = connections;
		this.conversations = conversations;
		this.messages = messages;
		this.delivery = delivery;
		this.presence = presence;
		this.presenceSettings = presenceSettings;
		this.typing = typing;
		this.settings = settings;
		this.pointers = pointers;
	}

	/**
	 * Opens a session for an authenticated user: queues the {@code welcome} frame, positions the
	 * connection at the client's resume cursor (before it is registered for fan-out, so no live entry
	 * can overtake the catch-up), then registers it and starts presence for the device.
	 *
	 * @param closer ends the transport under the session (a socket close, an ended stream)
	 * @param resume the cursor the client came back with, or {@code null}; an {@link ClientFrame.Invalid}
	 *     one is answered with an error frame
	 */
	Session open(UUID userId, String transport, Consumer<CloseStatus> closer, ClientFrame resume) {
		return open(userId, null, transport, closer, resume);
	}

	/**
	 * Opens a session for a caller authenticated by an access token: as above, and the session ends
	 * when the token expires unless the client renews it in band ({@link TokenLifetimes}).
	 */
	Session open(java.security.Principal principal, String transport, Consumer<CloseStatus> closer, ClientFrame resume) {
		org.springframework.security.oauth2.jwt.Jwt token = principal instanceof
				org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken jwt ? jwt.getToken() : null;
		return open(io.parley.identity.Accounts.idOf(principal), token, transport, closer, resume);
	}

	/** For transports that decode the token themselves (MQTT's password). */
	Session open(UUID userId, org.springframework.security.oauth2.jwt.Jwt token, String transport,
			Consumer<CloseStatus> closer, ClientFrame resume) {
		Connection connection = new Connection(userId, transport, closer, metrics.policy(transport));
		connection.send(new ServerFrame.Welcome(connection.userId(), connection.id(),
				new ServerFrame.Welcome.Limits(settings.maxBodyCodePoints(), settings.maxFrameBytes().toBytes())));
		// Presence this connection watches and typing in its conversations, from any node.
		Disposable signals = presence.signals(connection.userId(), connection.id())
			.subscribe(signal -> connection.send(ServerFrame.of(signal)));
		if (resume instanceof ClientFrame.Resume cursors) {
			cursors.conversations().forEach(c -> delivery.resume(connection, c.conversationId(), c.afterSeq()));
		}
		else if (resume instanceof ClientFrame.Invalid invalid) {
			connection.send(new ServerFrame.Error(invalid.code(), invalid.message(), invalid.ref()));
		}
		if (token != null) {
			tokens.watch(connection, token);
		}
		connections.add(connection);
		// Presence: renew this device's entry while the session lives; a dead node's entries expire.
		// A stalled Redis must not end the renewals for good: ticks that find the last one still running
		// are dropped, each call has its own timeout, and the next tick tries again.
		// One ordered stream of presence writes per device: renewals while the session lives, then, if
		// it ends deliberately, "gone" last, so a renewal still on its way can never undo the offline.
		Sinks.One<Boolean> ending = Sinks.one();
		Flux<Boolean> renewals = Flux.interval(Duration.ZERO, presenceSettings.refreshInterval())
			.onBackpressureDrop()
			.map(tick -> Boolean.TRUE)
			.takeUntilOther(ending.asMono());
		Flux<Boolean> gone = ending.asMono().filter(deliberate -> deliberate).map(deliberate -> Boolean.FALSE).flux();
		Flux.concat(renewals, gone)
			.concatMap(live -> (live ? presence.deviceLive(connection.userId(), connection.id())
					: presence.deviceGone(connection.userId(), connection.id()))
				.timeout(presenceSettings.refreshInterval())
				.onErrorResume(e -> Mono.empty()), 1)
			.subscribe();
		return new Session(connection, signals, ending);
	}

	/** One client's session on this node, whatever carries it. */
	final class Session {

		private final Connection connection;
		private final Disposable signals;
		private final Sinks.One<Boolean> ending;
		private final java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();

		private Session(Connection connection, Disposable signals, Sinks.One<Boolean> ending) {
			this.connection = connection;
			this.signals = signals;
			this.ending = ending;
		}

		Connection connection() {
			return connection;
		}

		/**
		 * Ends the session. Only a deliberate end (a client's normal close, a logout) takes the device
		 * away at once; a reload, a dropped network or a dying node leave its presence entry to expire
		 * within the TTL, so a quick reconnect shows watchers no offline/online flap.
		 */
		void end(boolean deliberate) {
			if (!ended.compareAndSet(false, true)) {
				return; // ended already (transports may end a session from two sides)
			}
			ending.tryEmitValue(deliberate); // renewals stop; a deliberate end writes "gone" after them
			signals.dispose();
			tokens.forget(connection);
			connections.remove(connection);
			connection.complete();
			typing.connectionClosed(connection.userId(), connection.id()).subscribe();
		}

		/**
		 * Handles one client frame. Callers handle a session's frames one after another (e.g. with
		 * {@code concatMap}), so one client's pipelined sends reach the pipeline in the order sent.
		 */
		Mono<Void> handle(ClientFrame frame) {
			// Java 17: no pattern matching for switch yet, so an instanceof chain over the sealed type.
			if (frame instanceof ClientFrame.Send send) {
				return submit(send.conversationId(), send.clientMessageId(), MessageSubmission.message(
						send.conversationId(), connection.userId(), send.clientMessageId(), send.body(), send.ciphertext(), connection.id()))
					.and(typing.messageSent(connection.userId(), send.conversationId()));
			}
			if (frame instanceof ClientFrame.Edit edit) {
				return submit(edit.conversationId(), edit.clientMessageId(), MessageSubmission.edit(edit.conversationId(),
						connection.userId(), edit.clientMessageId(), edit.seq(), edit.expectedVersion(), edit.body(), edit.ciphertext(),
						connection.id()));
			}
			if (frame instanceof ClientFrame.Delete delete) {
				return submit(delete.conversationId(), delete.clientMessageId(), MessageSubmission.delete(
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
				return typing(typingFrame);
			}
			if (frame instanceof ClientFrame.PresenceSubscribe subscribe) {
				return presence.watch(connection.id(), connection.userId(), subscribe.userIds(), subscribe.ref())
					.onErrorResume(e -> refused(e, subscribe.ref()));
			}
			if (frame instanceof ClientFrame.PresenceSet set) {
				return presence.setAway(connection.userId(), connection.id(), set.away())
					.onErrorResume(e -> refused(e, set.ref()));
			}
			if (frame instanceof ClientFrame.Receipt receipt) {
				return pointers.advance(receipt.conversationId(), connection.userId(), receipt.seq(), receipt.read() ? receipt.seq() : 0)
					.then()
					.onErrorResume(e -> refused(e, receipt.ref()));
			}
			if (frame instanceof ClientFrame.Auth auth) {
				return tokens.renew(connection, auth.token(), auth.ref());
			}
			if (frame instanceof ClientFrame.Ping ping) {
				connection.send(new ServerFrame.Pong(ping.ref()));
			}
			else if (frame instanceof ClientFrame.Invalid invalid) {
				connection.send(new ServerFrame.Error(invalid.code(), invalid.message(), invalid.ref()));
			}
			return Mono.empty();
		}

		private Mono<Void> typing(ClientFrame.Typing frame) {
			return typing.typing(connection.userId(), connection.id(), frame.conversationId(), frame.action()).doOnNext(outcome -> {
				if (outcome == TypingOutcome.NOT_A_MEMBER) {
					connection.send(new ServerFrame.Error("not_a_member",
							"You are not a member of conversation " + frame.conversationId(), frame.ref()));
				}
			}).then();
		}

		private Mono<Void> refused(Throwable e, String ref) {
			if (e instanceof ParleyException refusal) {
				connection.send(new ServerFrame.Error(refusal.code(), refusal.getMessage(), ref));
			}
			else {
				try (var logContext = connection.logContext()) {
					log.warn("A presence or receipt frame of user {} failed", connection.userId(), e);
				}
				connection.send(new ServerFrame.Error("unavailable", "Not available right now; retry", ref));
			}
			return Mono.empty();
		}

		/**
		 * Checks membership (a fast refusal; the sequencer checks again, authoritatively), then hands the
		 * submission to the ordered pipeline. The ack or refusal comes later, once the sequencer decided.
		 */
		private Mono<Void> submit(UUID conversationId, String clientMessageId, MessageSubmission submission) {
			long waitMs = sendLimit.acquire(connection.userId());
			if (waitMs > 0) {
				connection.send(new ServerFrame.Error("rate_limited", "Too many sends; resend with the same clientMessageId in "
						+ waitMs + " ms", clientMessageId, null, waitMs));
				return Mono.empty();
			}
			return conversations.isMember(conversationId, connection.userId()).flatMap(member -> {
				if (!member) {
					connection.send(new ServerFrame.Error("not_a_member",
							"You are not a member of conversation " + conversationId, clientMessageId));
					return Mono.<Void>empty();
				}
				return messages.submit(submission);
			}).onErrorResume(e -> {
				try (var logContext = connection.logContext()) {
					log.warn("Could not hand {} of user {} to the pipeline", clientMessageId, connection.userId(), e);
				}
				connection.send(new ServerFrame.Error("unavailable",
						"Not accepted right now; retry with the same clientMessageId", clientMessageId));
				return Mono.empty();
			});
		}
	}
}
