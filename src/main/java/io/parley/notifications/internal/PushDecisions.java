package io.parley.notifications.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import io.parley.groups.Conversations;
import io.parley.history.EntryKind;
import io.parley.history.EntryRecorded;
import io.parley.history.StoredMessage;
import io.parley.notifications.NotificationSettings;
import io.parley.presence.Presence;
import io.parley.presence.PresenceState;
import io.parley.presence.UserPresence;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Decides, once per stored message in the cluster ({@link EntryRecorded} runs on one node, on a
 * Kafka listener thread, so blocking is fine here), who should be notified: each recipient who joined
 * before it, except the sender, with a push token, who did not mute the conversation and has no
 * active session (presence not online: offline, or every device idle). Such a recipient's pending
 * notification for the conversation counts the message; the flusher sends it when the collapse window
 * ends. Edits and deletes notify nobody. If this throws, Kafka re-delivers the entry, and the queue
 * ignores what it already counted.
 */
@Component
class PushDecisions {

	private static final Logger log = LoggerFactory.getLogger(PushDecisions.class);

	private final Conversations conversations;
	private final Presence presence;
	private final PushStore store;
	private final NotificationSettings settings;
	private final Clock clock;

	PushDecisions(Conversations conversations, Presence presence, PushStore store, NotificationSettings settings, Clock clock) {
		this.conversations = conversations;
		this.presence = presence;
		this.store = store;
		this.settings = settings;
		this.clock = clock;
	}

	@EventListener
	void on(EntryRecorded recorded) {
		StoredMessage entry = recorded.entry();
		if (entry.kind() != EntryKind.MESSAGE) {
			return;
		}
		// Only recipients with a push token can be pushed to: found in one query for the whole group
		// (one query per recipient was the busiest code of the fan-out benchmark).
		java.util.Set<UUID> reachable = store.withTokens(conversations.recipientsNow(entry.conversationId(), entry.seq()));
		for (UUID recipient : reachable) {
			if (recipient.equals(entry.senderId()) || store.muted(recipient, entry.conversationId())
					|| activeNow(recipient)) {
				continue;
			}
			store.enqueue(recipient, entry.conversationId(), entry.seq(), clock.instant().plus(settings.collapseWindow()));
		}
	}

	/** A user with an online (live and not idle) device is reached by the socket; if presence cannot tell, push. */
	boolean activeNow(UUID userId) {
		try {
			List<UserPresence> seen = presence.lookup(userId, List.of(userId)).block(Duration.ofSeconds(5));
			return seen != null && !seen.isEmpty() && seen.get(0).status() == PresenceState.ONLINE;
		}
		catch (RuntimeException e) {
			log.warn("Presence of {} unknown; deciding to push", userId, e);
			return false;
		}
	}
}
