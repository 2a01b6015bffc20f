package io.parley.realtime.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * A resume cursor kept on the server side of one HTTP transport: per conversation, the highest seq
 * written to the client so far, moved by the frames in the order they are written (never by what is
 * merely queued), so the text form at any event is exactly where that client stands. The text form
 * {@code conversationId:seq,...} is the one every transport resumes from.
 */
final class CursorPositions {

	private final Map<UUID, Long> positions = new LinkedHashMap<>();
	/** The text form it started from, before any frame moved it. */
	private String initial = "";

	/** Starts from where the client said it was ({@code null} or an invalid cursor: nowhere yet). */
	static CursorPositions from(ClientFrame cursor) {
		CursorPositions result = new CursorPositions();
		if (cursor instanceof ClientFrame.Resume resume) {
			resume.conversations().forEach(c -> result.positions.merge(c.conversationId(), c.afterSeq(), Math::max));
		}
		result.initial = result.toString();
		return result;
	}

	/** Takes the furthest position of each conversation from the other cursor too. */
	CursorPositions merge(CursorPositions other) {
		other.positions.forEach((conversation, seq) -> positions.merge(conversation, seq, Math::max));
		initial = toString();
		return this;
	}

	synchronized String initial() {
		return initial;
	}

	/**
	 * Moves the cursor past a frame being written: a log entry, or the end of a catch-up. Returns
	 * whether it moved, so a transport labels only those frames with a new cursor.
	 */
	synchronized boolean advance(ServerFrame frame) {
		if (frame instanceof ServerFrame.Message message) {
			return moveTo(message.conversationId(), message.seq());
		}
		if (frame instanceof ServerFrame.Resumed resumed) {
			return moveTo(resumed.conversationId(), resumed.lastSeq());
		}
		return false;
	}

	private boolean moveTo(UUID conversationId, long seq) {
		Long current = positions.get(conversationId);
		if (current != null && current >= seq) {
			return false;
		}
		positions.put(conversationId, seq);
		return true;
	}

	synchronized long get(UUID conversationId) {
		return positions.getOrDefault(conversationId, -1L);
	}

	/** The same positions as a {@code resume} a new session starts from. */
	synchronized ClientFrame.Resume asResume() {
		List<ClientFrame.Cursor> cursors = positions.entrySet().stream()
			.map(e -> new ClientFrame.Cursor(e.getKey(), e.getValue()))
			.toList();
		return new ClientFrame.Resume(cursors);
	}

	@Override
	public synchronized String toString() {
		return positions.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue()).collect(Collectors.joining(","));
	}
}
