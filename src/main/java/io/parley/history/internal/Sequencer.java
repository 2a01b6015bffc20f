package io.parley.history.internal;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.parley.history.MessageSubmission;
import io.parley.history.StoredMessage;

import org.springframework.stereotype.Component;

/**
 * Assigns the next sequence number of a conversation and stores the message. Only the consumer that
 * owns the conversation's Kafka partition calls this, so there is one writer per conversation; the
 * cached head is only a speed-up, and the conditional insert in {@link MessageStore} makes a stale
 * writer (one that lost its partition while paused) fail instead of overwriting.
 */
@Component
class Sequencer {

	record Appended(StoredMessage message, boolean duplicate) {
	}

	private final MessageStore store;
	private final MessageIds ids;
	private final Clock clock;
	private final Map<UUID, Long> heads = new ConcurrentHashMap<>();

	Sequencer(MessageStore store, io.parley.history.HistorySettings settings, Clock clock) {
		this.store = store;
		this.ids = new MessageIds(settings.nodeId(), clock);
		this.clock = clock;
	}

	Appended append(MessageSubmission submission) {
		UUID conversation = submission.conversationId();
		Optional<StoredMessage> earlier = store
			.seqOfClientMessage(conversation, submission.senderId(), submission.clientMessageId())
			.flatMap(seq -> store.find(conversation, seq))
			.filter(m -> m.senderId().equals(submission.senderId())
					&& m.clientMessageId().equals(submission.clientMessageId()));
		if (earlier.isPresent()) {
			return new Appended(earlier.get(), true);
		}
		for (int attempt = 0; attempt < 5; attempt++) {
			long seq = heads.computeIfAbsent(conversation, store::head) + 1;
			StoredMessage message = new StoredMessage(conversation, seq, ids.next(), submission.senderId(),
					submission.clientMessageId(), submission.body(), Instant.now(clock).truncatedTo(ChronoUnit.MILLIS));
			// Remember the client id before storing: a crash between the two then leaves a pointer to a
			// missing or foreign seq, which the check above ignores, never a stored message without it.
			store.rememberClientMessage(message);
			if (store.insertIfAbsent(message)) {
				heads.put(conversation, seq);
				store.advanceHead(conversation, seq);
				return new Appended(message, false);
			}
			heads.remove(conversation); // someone else wrote this seq: our cached head is stale, reload it
		}
		throw new IllegalStateException("Could not claim a sequence number for conversation " + conversation);
	}

	/** Partition ownership changed: cached heads may be stale. */
	void forgetHeads() {
		heads.clear();
	}
}
