package io.parley.realtime.internal;

import java.util.UUID;

/** Frames a client sends, decoded once at the edge by {@link FrameCodec}. */
sealed interface ClientFrame {

	record Send(UUID conversationId, String clientMessageId, String body) implements ClientFrame {
	}

	record Ping(String ref) implements ClientFrame {
	}

	/** A frame that could not be accepted: answered with an error frame, the connection stays open. */
	record Invalid(String code, String message, String ref) implements ClientFrame {
	}
}
