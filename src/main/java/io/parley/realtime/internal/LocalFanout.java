package io.parley.realtime.internal;

import java.util.Set;
import java.util.UUID;

import io.parley.groups.Conversations;
import io.parley.history.MessageStored;
import io.parley.history.PointersMoved;
import io.parley.history.ReadPointer;
import io.parley.history.StoredMessage;
import io.parley.history.SubmissionRejected;

import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Delivers each stored entry to the connections on this node whose user receives it: a current
 * member who joined before it. Runs on the relay's Kafka listener thread, one entry at a time, so
 * a conversation's entries arrive in seq order; {@link Delivery} still guards each connection
 * against gaps and duplicates. One {@link OutboundFrame} goes to every connection, so the entry is encoded once per wire format.
 */
@Component
class LocalFanout {

	private final LocalConnections connections;
	private final Conversations conversations;
	private final Delivery delivery;
	private final GatewayMetrics metrics;

	LocalFanout(LocalConnections connections, Conversations conversations, Delivery delivery, GatewayMetrics metrics) {
		this.metrics = metrics;
		this.connections = connections;
		this.conversations = conversations;
		this.delivery = delivery;
	}

	@EventListener
	void on(MessageStored stored) {
		StoredMessage entry = stored.message();
		// The sender's connection hears "ack" before it sees its own entry.
		connections.byId(stored.replyTo()).ifPresent(c -> c.send(ServerFrame.Ack.of(entry)));
		// A retry usually finds everybody has the entry already, but not always: a first attempt whose
		// write timed out yet landed (Cassandra hung, then recovered) was never announced. So a retry is
		// offered again to connections already streaming the conversation; each drops it if it has it.
		boolean retry = stored.duplicate();
		// An edit or delete goes live only to those who could see its message; a later joiner gets it,
		// without content, when their connection fills the gap from history.
		long visibleFrom = entry.targetSeq() == null ? entry.seq() : entry.targetSeq();
		Set<UUID> recipients = conversations.recipientsNow(entry.conversationId(), visibleFrom);
		OutboundFrame frame = new OutboundFrame(ServerFrame.Message.of(entry), entry.sentAt());
		int fannedOut = 0;
		for (UUID recipient : recipients) {
			for (Connection connection : connections.of(recipient)) {
				if (!retry || delivery.isStreaming(connection, entry.conversationId())) {
					delivery.deliver(connection, entry, frame);
					fannedOut++;
				}
			}
		}
		metrics.fannedOut(fannedOut);
	}

	/**
	 * A member's pointers moved (a hint from any node): their own connections get the new unread
	 * count, so reading on one device clears the badge on the others; in 1:1 conversations the
	 * other member gets the ticks. Out of band like membership hints: not part of the seq stream.
	 */
	@EventListener
	void on(PointersMoved moved) {
		ReadPointer p = moved.pointer();
		if (!connections.of(p.userId()).isEmpty()) {
			OutboundFrame own = new OutboundFrame(new ServerFrame.UnreadUpdated(p.conversationId(), p.readSeq(), p.deliveredSeq(), moved.unread()));
			connections.of(p.userId()).forEach(c -> c.send(own));
		}
		OutboundFrame ticks = null;
		for (UUID watcher : moved.watchers()) {
			for (Connection connection : connections.of(watcher)) {
				if (ticks == null) {
					ticks = new OutboundFrame(new ServerFrame.ReceiptUpdated(p.conversationId(), p.userId(), p.deliveredSeq(), p.readSeq()));
				}
				connection.send(ticks);
			}
		}
	}

	@EventListener
	void on(SubmissionRejected rejected) {
		connections.byId(rejected.replyTo()).ifPresent(c -> c.send(
				new ServerFrame.Error(rejected.code(), rejected.message(), rejected.clientMessageId(), rejected.currentVersion())));
	}
}
