package io.parley.realtime.internal;

import java.util.TreeMap;
import java.util.UUID;

/**
 * Where one connection stands in one conversation's log: the highest seq it was sent, and entries
 * held back while a gap below them is being filled from history. Guarded by its own monitor; see
 * {@link Delivery} for the rules.
 */
final class ConversationStream {

	static final long UNKNOWN = -1;

	final UUID conversationId;
	long delivered = UNKNOWN;
	/** The first seq this connection was sent (or resumed after): below it, it has nothing. */
	long firstDelivered = UNKNOWN;
	/** The member's join point, once known: entries about older messages are sent without content. */
	long joinSeq;
	boolean filling;
	/** Live entries that arrived while filling, by seq, with their shared frames. */
	final TreeMap<Long, OutboundFrame> held = new TreeMap<>();

	ConversationStream(UUID conversationId) {
		this.conversationId = conversationId;
	}
}
