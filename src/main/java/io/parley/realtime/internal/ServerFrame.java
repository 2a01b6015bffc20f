package io.parley.realtime.internal;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import io.parley.history.EntryKind;
import io.parley.history.StoredMessage;
import io.parley.presence.LiveSignal;
import io.parley.presence.UserPresence;

/** Frames the server sends; the JSON {@code type} property is written from the subtype's name. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({ @JsonSubTypes.Type(value = ServerFrame.Welcome.class, name = "welcome"),
		@JsonSubTypes.Type(value = ServerFrame.Ack.class, name = "ack"),
		@JsonSubTypes.Type(value = ServerFrame.Message.class, name = "message"),
		@JsonSubTypes.Type(value = ServerFrame.Error.class, name = "error"),
		@JsonSubTypes.Type(value = ServerFrame.Pong.class, name = "pong"),
		@JsonSubTypes.Type(value = ServerFrame.ConversationAdded.class, name = "conversation.added"),
		@JsonSubTypes.Type(value = ServerFrame.Resumed.class, name = "resumed"),
		@JsonSubTypes.Type(value = ServerFrame.Range.class, name = "range"),
		@JsonSubTypes.Type(value = ServerFrame.ConversationRemoved.class, name = "conversation.removed"),
		@JsonSubTypes.Type(value = ServerFrame.PresenceState.class, name = "presence.state"),
		@JsonSubTypes.Type(value = ServerFrame.Presence.class, name = "presence"),
		@JsonSubTypes.Type(value = ServerFrame.Typing.class, name = "typing"),
		@JsonSubTypes.Type(value = ServerFrame.ReceiptUpdated.class, name = "receipt.updated"),
		@JsonSubTypes.Type(value = ServerFrame.UnreadUpdated.class, name = "unread.updated"),
		@JsonSubTypes.Type(value = ServerFrame.Reconnect.class, name = "reconnect"),
		@JsonSubTypes.Type(value = ServerFrame.Reauthenticate.class, name = "reauthenticate"),
		@JsonSubTypes.Type(value = ServerFrame.Authenticated.class, name = "authenticated") })
@JsonInclude(JsonInclude.Include.NON_NULL)
sealed interface ServerFrame {

	record Welcome(UUID userId, String sessionId, Limits limits) implements ServerFrame {

		record Limits(int maxBodyCodePoints, long maxFrameBytes) {
		}
	}

	/** {@code version}: for an edit or delete, the message's version after it. */
	record Ack(String clientMessageId, UUID conversationId, String messageId, long seq, String kind, Instant sentAt,
			Integer version) implements ServerFrame {

		static Ack of(StoredMessage m) {
			return new Ack(m.clientMessageId(), m.conversationId(), Long.toString(m.messageId()), m.seq(), m.kind().wireName(),
					m.sentAt(), m.kind() == EntryKind.MESSAGE ? null : m.version());
		}
	}

	/**
	 * One entry of a conversation's log, in seq order. Message ids go out as strings: JavaScript numbers
	 * lose precision above 2^53. For kind {@code edit}/{@code delete}, {@code targetSeq} names the
	 * message and {@code version} is its version after the change.
	 */
	record Message(UUID conversationId, String messageId, long seq, String kind, UUID senderId, String clientMessageId,
			String body, Instant sentAt, Long targetSeq, Integer version, Instant editedAt, Boolean deleted, byte[] ciphertext)
			implements ServerFrame {

		/** An entry without a ciphertext. */
		Message(UUID conversationId, String messageId, long seq, String kind, UUID senderId, String clientMessageId, String body,
				Instant sentAt, Long targetSeq, Integer version, Instant editedAt, Boolean deleted) {
			this(conversationId, messageId, seq, kind, senderId, clientMessageId, body, sentAt, targetSeq, version, editedAt, deleted,
					null);
		}

		static Message of(StoredMessage m) {
			boolean plain = m.kind() == EntryKind.MESSAGE;
			return new Message(m.conversationId(), Long.toString(m.messageId()), m.seq(), m.kind().wireName(), m.senderId(),
					m.clientMessageId(), m.body(), m.sentAt(), m.targetSeq(), m.version(), m.editedAt(),
					m.deleted() ? Boolean.TRUE : (plain ? null : Boolean.FALSE), m.ciphertext());
		}
	}

	/**
	 * {@code currentVersion}: with {@code version_conflict}, the version that won. {@code retryAfterMs}:
	 * with {@code rate_limited}, how long to wait before sending again.
	 */
	record Error(String code, String message, String ref, Integer currentVersion, Long retryAfterMs) implements ServerFrame {

		Error(String code, String message, String ref) {
			this(code, message, ref, null, null);
		}

		Error(String code, String message, String ref, Integer currentVersion) {
			this(code, message, ref, currentVersion, null);
		}
	}

	/**
	 * The access token this connection was authenticated with expires at {@code expiresAt}: send an
	 * {@code auth} frame with a fresh one before then, or the connection is closed with 4001.
	 */
	record Reauthenticate(Instant expiresAt) implements ServerFrame {
	}

	/** The answer to an {@code auth} frame: the connection now lives until {@code expiresAt}. */
	record Authenticated(Instant expiresAt, String ref) implements ServerFrame {
	}

	/**
	 * The catch-up of one conversation is complete: entries up to {@code lastSeq} were sent, and live
	 * entries follow. {@code recovered} is false when more were missed than a catch-up carries: then
	 * entries in ({@code afterSeq}, {@code skippedTo}] were not sent and should be paged from history.
	 */
	record Resumed(UUID conversationId, long afterSeq, long lastSeq, boolean recovered, Long skippedTo) implements ServerFrame {
	}

	/** Answer to {@code fetch}: entries after {@code afterSeq}, oldest first. */
	record Range(UUID conversationId, long afterSeq, java.util.List<Message> messages, boolean hasMore, String ref)
			implements ServerFrame {
	}

	record Pong(String ref) implements ServerFrame {
	}

	/**
	 * This node is going away ({@code reason} "draining"): the socket closes next; come back, to any
	 * node, no sooner than {@code retryAfterMs} after it closed. The SDK takes it as a floor under its backoff.
	 */
	record Reconnect(String reason, long retryAfterMs) implements ServerFrame {
	}

	/** You were added to a conversation (or created it): refresh the conversation list. */
	record ConversationAdded(UUID conversationId, UUID by) implements ServerFrame {
	}

	/** You were removed from (or left) a conversation: nothing more of it will reach you. */
	record ConversationRemoved(UUID conversationId, UUID by) implements ServerFrame {
	}

	/** The answer to presence.subscribe: the users you may watch, as they are now. */
	record PresenceState(List<Presence> users, String ref) implements ServerFrame {
	}

	/** A watched user's presence; lastSeen only when offline and not hidden. */
	record Presence(UUID userId, String status, Instant lastSeen) implements ServerFrame {

		static Presence of(UserPresence p) {
			return new Presence(p.userId(), p.status().wireName(), p.lastSeen());
		}
	}

	/** Another member's typing: action start, renew or stop; a stop has a reason. */
	record Typing(UUID conversationId, UUID userId, String action, String reason) implements ServerFrame {
	}

	/** Another member's pointers moved (1:1 conversations): the ticks of your messages up to these seqs. */
	record ReceiptUpdated(UUID conversationId, UUID userId, long deliveredSeq, long readSeq) implements ServerFrame {
	}

	/** Your own pointers moved (on any of your devices): the conversation's unread count is now {@code unread}. */
	record UnreadUpdated(UUID conversationId, long readSeq, long deliveredSeq, long unread) implements ServerFrame {
	}

	static ServerFrame of(LiveSignal signal) {
		if (signal instanceof LiveSignal.PresenceSnapshot snapshot) {
			return new PresenceState(snapshot.users().stream().map(Presence::of).toList(), snapshot.ref());
		}
		if (signal instanceof LiveSignal.PresenceChanged changed) {
			return Presence.of(changed.presence());
		}
		LiveSignal.Typing typing = (LiveSignal.Typing) signal;
		return new Typing(typing.conversationId(), typing.userId(), typing.action().wireName(), typing.reason());
	}
}
