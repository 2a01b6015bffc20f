package io.parley.realtime.internal;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import io.parley.history.StoredMessage;

/** Frames the server sends; the JSON {@code type} property is written from the subtype's name. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({ @JsonSubTypes.Type(value = ServerFrame.Welcome.class, name = "welcome"),
		@JsonSubTypes.Type(value = ServerFrame.Ack.class, name = "ack"),
		@JsonSubTypes.Type(value = ServerFrame.Message.class, name = "message"),
		@JsonSubTypes.Type(value = ServerFrame.Error.class, name = "error"),
		@JsonSubTypes.Type(value = ServerFrame.Pong.class, name = "pong"),
		@JsonSubTypes.Type(value = ServerFrame.ConversationAdded.class, name = "conversation.added"),
		@JsonSubTypes.Type(value = ServerFrame.ConversationRemoved.class, name = "conversation.removed") })
@JsonInclude(JsonInclude.Include.NON_NULL)
sealed interface ServerFrame {

	record Welcome(UUID userId, String sessionId, Limits limits) implements ServerFrame {

		record Limits(int maxBodyCodePoints, long maxFrameBytes) {
		}
	}

	record Ack(String clientMessageId, UUID conversationId, String messageId, long seq, Instant sentAt) implements ServerFrame {

		static Ack of(StoredMessage m) {
			return new Ack(m.clientMessageId(), m.conversationId(), Long.toString(m.messageId()), m.seq(), m.sentAt());
		}
	}

	/** Message ids go out as strings: JavaScript numbers lose precision above 2^53. */
	record Message(UUID conversationId, String messageId, long seq, UUID senderId, String clientMessageId, String body,
			Instant sentAt) implements ServerFrame {

		static Message of(StoredMessage m) {
			return new Message(m.conversationId(), Long.toString(m.messageId()), m.seq(), m.senderId(), m.clientMessageId(),
					m.body(), m.sentAt());
		}
	}

	record Error(String code, String message, String ref) implements ServerFrame {
	}

	record Pong(String ref) implements ServerFrame {
	}

	/** You were added to a conversation (or created it): refresh the conversation list. */
	record ConversationAdded(UUID conversationId, UUID by) implements ServerFrame {
	}

	/** You were removed from (or left) a conversation: nothing more of it will reach you. */
	record ConversationRemoved(UUID conversationId, UUID by) implements ServerFrame {
	}
}
