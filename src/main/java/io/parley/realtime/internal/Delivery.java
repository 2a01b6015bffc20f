package io.parley.realtime.internal;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.parley.groups.Conversations;
import io.parley.history.MessageLog;
import io.parley.history.StoredMessage;
import io.parley.realtime.RealtimeSettings;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import reactor.core.publisher.Mono;

/**
 * Sends a conversation's entries to one connection exactly once and in seq order, whatever the
 * order and multiplicity in which they reach this node (live fan-out, a resume, a gap):
 * <ul>
 * <li>an entry at or below what the connection already has is dropped (a duplicate);</li>
 * <li>the next one is sent at once;</li>
 * <li>one above it means a gap: it is held, the missing range is read from history (Cassandra, the
 * truth), sent, and then everything held is released in order.</li>
 * </ul>
 * A resume is the same thing started on purpose: the connection's position is set to where the
 * client left off, and the range up to the head of the log is filled before live entries flow.
 */
@Component
class Delivery {

	private static final Logger log = LoggerFactory.getLogger(Delivery.class);

	private final MessageLog messages;
	private final Conversations conversations;
	private final RealtimeSettings settings;

	Delivery(MessageLog messages, Conversations conversations, RealtimeSettings settings) {
		this.messages = messages;
		this.conversations = conversations;
		this.settings = settings;
	}

	/** A live entry for this connection; {@code frame} is shared by all connections, so it is encoded once per wire format. */
	/** Whether this connection already has a position in the conversation (it has streamed or resumed it). */
	boolean isStreaming(Connection connection, java.util.UUID conversationId) {
		ConversationStream stream = connection.stream(conversationId);
		synchronized (stream) {
			return stream.delivered != ConversationStream.UNKNOWN || stream.filling;
		}
	}

	void deliver(Connection connection, StoredMessage entry, OutboundFrame frame) {
		ConversationStream stream = connection.stream(entry.conversationId());
		synchronized (stream) {
			if (stream.filling) {
				stream.held.put(entry.seq(), frame);
				return;
			}
			if (stream.delivered == ConversationStream.UNKNOWN) {
				stream.firstDelivered = entry.seq();
			}
			if (stream.delivered == ConversationStream.UNKNOWN || entry.seq() == stream.delivered + 1) {
				connection.send(frame);
				stream.delivered = entry.seq();
				return;
			}
			if (entry.seq() <= stream.delivered) {
				return; // already sent on this connection
			}
			stream.filling = true;
			stream.held.put(entry.seq(), frame);
			fill(connection, stream, entry.seq() - 1, null);
		}
	}

	/**
	 * Positions the connection in a conversation before any live entry of it is sent: call this
	 * before the connection is registered for fan-out (handshake) or at any time for a conversation it
	 * has not streamed yet. Sends the missed entries, a {@code resumed} frame, then what came live.
	 */
	void resume(Connection connection, UUID conversationId, long afterSeq) {
		ConversationStream stream = connection.stream(conversationId);
		synchronized (stream) {
			if (stream.delivered != ConversationStream.UNKNOWN || stream.filling) {
				// Already streaming on this connection: it has everything from firstDelivered on. If the
				// client's cursor is older, say plainly what it lacks rather than claim recovery.
				long lacksUpTo = stream.firstDelivered - 1;
				boolean recovered = afterSeq >= lacksUpTo;
				connection.send(new ServerFrame.Resumed(conversationId, afterSeq, Math.max(stream.delivered, afterSeq),
						recovered, recovered ? null : lacksUpTo));
				return;
			}
			stream.filling = true; // hold live entries until the catch-up is done
		}
		conversations.joinSeq(conversationId, connection.userId())
			.zipWith(messages.head(conversationId))
			.subscribe(joinAndHead -> {
				if (joinAndHead.getT1().isEmpty()) {
					connection.forget(conversationId);
					connection.send(new ServerFrame.Error("not_a_member",
							"You are not a member of conversation " + conversationId, conversationId.toString()));
					return;
				}
				long head = joinAndHead.getT2();
				long joinSeq = joinAndHead.getT1().get();
				// Nothing from before the member joined; a cursor beyond the head counts as the head.
				long from = Math.min(Math.max(afterSeq, joinSeq), head);
				long skippedTo = head - from > settings.maxCatchUp() ? head - settings.maxCatchUp() : from;
				synchronized (stream) {
					stream.joinSeq = joinSeq;
					stream.delivered = skippedTo;
					stream.firstDelivered = skippedTo + 1;
					fill(connection, stream, head, new ServerFrame.Resumed(conversationId, afterSeq, head, skippedTo == from,
							skippedTo == from ? null : skippedTo));
				}
			}, error -> failed(connection, stream, error));
	}

	/** Reads (delivered, upTo] from history, sends it, then releases held entries. Caller holds the monitor. */
	private void fill(Connection connection, ConversationStream stream, long upTo, ServerFrame.Resumed resumed) {
		long from = stream.delivered + 1;
		Mono<List<StoredMessage>> range = from > upTo ? Mono.just(List.of()) : messages.range(stream.conversationId, from, upTo);
		// The join point decides what of the range this member may see (edits of older messages lose their content).
		Mono<Long> joinSeq = conversations.joinSeq(stream.conversationId, connection.userId()).map(j -> j.orElse(Long.MAX_VALUE));
		range.zipWith(joinSeq).subscribe(entriesAndJoin -> {
			List<StoredMessage> entries = entriesAndJoin.getT1();
			synchronized (stream) {
				stream.joinSeq = entriesAndJoin.getT2();
				long before = stream.delivered;
				for (StoredMessage entry : entries) {
					if (entry.seq() == stream.delivered + 1) {
						connection.send(ServerFrame.Message.of(entry.visibleAfter(stream.joinSeq)));
						stream.delivered = entry.seq();
					}
				}
				if (resumed != null) {
					connection.send(resumed);
				}
				release(connection, stream, stream.delivered > before || from > upTo);
			}
		}, error -> failed(connection, stream, error));
	}

	/** Sends held entries in order; on a new gap, fills again (once per progress, never in a loop). */
	private void release(Connection connection, ConversationStream stream, boolean progressed) {
		while (!stream.held.isEmpty()) {
			Map.Entry<Long, OutboundFrame> next = stream.held.firstEntry();
			if (next.getKey() <= stream.delivered) {
				stream.held.pollFirstEntry();
			}
			else if (next.getKey() == stream.delivered + 1 || !progressed) {
				// In order, or history could not close the gap: send it; the client sees the jump and can fetch.
				connection.send(next.getValue());
				stream.delivered = next.getKey();
				stream.held.pollFirstEntry();
			}
			else {
				fill(connection, stream, next.getKey() - 1, null);
				return;
			}
		}
		stream.filling = false;
	}

	private void failed(Connection connection, ConversationStream stream, Throwable error) {
		try (var logContext = connection.logContext()) {
			log.warn("Could not read history for {} on connection {}", stream.conversationId, connection.id(), error);
		}
		synchronized (stream) {
			release(connection, stream, false);
		}
	}

	/** Answers a {@code fetch}: entries after {@code afterSeq} (never before the member joined), oldest first. */
	Mono<Void> fetch(Connection connection, ClientFrame.Fetch fetch) {
		return conversations.joinSeq(fetch.conversationId(), connection.userId()).flatMap(joinSeq -> {
			if (joinSeq.isEmpty()) {
				connection.send(new ServerFrame.Error("not_a_member",
						"You are not a member of conversation " + fetch.conversationId(), fetch.ref()));
				return Mono.<Void>empty();
			}
			long after = Math.max(fetch.afterSeq(), joinSeq.get());
			return messages.range(fetch.conversationId(), after + 1, after + fetch.limit() + 1).map(entries -> {
				boolean hasMore = entries.size() > fetch.limit();
				List<ServerFrame.Message> page = entries.stream()
					.limit(fetch.limit())
					.map(entry -> ServerFrame.Message.of(entry.visibleAfter(joinSeq.get())))
					.toList();
				connection.send(new ServerFrame.Range(fetch.conversationId(), after, page, hasMore, fetch.ref()));
				return page;
			}).then();
		});
	}
}
