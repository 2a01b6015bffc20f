package io.parley.realtime.internal;

import java.util.Set;
import java.util.UUID;

import io.parley.groups.Conversations;
import io.parley.history.MessageStored;
import io.parley.history.StoredMessage;

import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Delivers each stored message to the connections on this node whose user is a member now. Runs on
 * the relay's Kafka listener thread, one stored message at a time, so each conversation's messages
 * go out in sequence order. The frame is encoded once and the same text goes to every connection.
 */
@Component
class LocalFanout {

	private final LocalConnections connections;
	private final Conversations conversations;
	private final FrameCodec codec;

	LocalFanout(LocalConnections connections, Conversations conversations, FrameCodec codec) {
		this.connections = connections;
		this.conversations = conversations;
		this.codec = codec;
	}

	@EventListener
	void on(MessageStored stored) {
		StoredMessage message = stored.message();
		// The sender's connection hears "ack" before it sees its own message.
		connections.byId(stored.replyTo()).ifPresent(c -> c.send(codec.encode(ServerFrame.Ack.of(message))));
		if (stored.duplicate()) {
			return; // a retry: everybody already has it
		}
		Set<UUID> members = conversations.memberIdsNow(message.conversationId());
		String frame = codec.encode(ServerFrame.Message.of(message));
		for (UUID member : members) {
			for (Connection connection : connections.of(member)) {
				connection.send(frame);
			}
		}
	}
}
