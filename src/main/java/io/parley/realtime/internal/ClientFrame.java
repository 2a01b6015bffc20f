package io.parley.realtime.internal;

import java.util.List;
import java.util.UUID;

import io.parley.presence.TypingAction;

/** Frames a client sends, decoded once at the edge by {@link FrameCodec}. */
sealed interface ClientFrame {

	/** {@code body}, {@code ciphertext} or both; the ciphertext is opaque bytes Parley never parses. */
	record Send(UUID conversationId, String clientMessageId, String body, byte[] ciphertext) implements ClientFrame {

		Send(UUID conversationId, String clientMessageId, String body) {
			this(conversationId, clientMessageId, body, null);
		}
	}

	/** Edit the message at {@code seq}, expecting it to be at {@code expectedVersion} (compare-and-set). */
	record Edit(UUID conversationId, String clientMessageId, long seq, int expectedVersion, String body, byte[] ciphertext)
			implements ClientFrame {
	}

	record Delete(UUID conversationId, String clientMessageId, long seq) implements ClientFrame {
	}

	/** Continue conversations from where the client left off: missed entries first, then live ones. */
	record Resume(List<Cursor> conversations) implements ClientFrame {
	}

	record Cursor(UUID conversationId, long afterSeq) {
	}

	/** Ask for a range of entries (e.g. after seeing a jump in seq): answered with one {@code range} frame. */
	record Fetch(UUID conversationId, long afterSeq, int limit, String ref) implements ClientFrame {
	}

	record Ping(String ref) implements ClientFrame {
	}

	/** This device is idle (away) or active again. */
	record PresenceSet(boolean away, String ref) implements ClientFrame {
	}

	/** Watch these users' presence (replaces the previous list). */
	record PresenceSubscribe(List<UUID> userIds, String ref) implements ClientFrame {
	}

	record Typing(TypingAction action, UUID conversationId, String ref) implements ClientFrame {
	}

	/** This device got ({@code read} false) or showed ({@code read} true) the conversation up to {@code seq}. */
	record Receipt(UUID conversationId, long seq, boolean read, String ref) implements ClientFrame {
	}

	/** A fresh access token for this connection (the answer to {@code reauthenticate}). */
	record Auth(String token, String ref) implements ClientFrame {
	}

	/** A frame that could not be accepted: answered with an error frame, the connection stays open. */
	record Invalid(String code, String message, String ref) implements ClientFrame {
	}
}
