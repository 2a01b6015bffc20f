package io.parley.history.internal;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.parley.groups.Conversations;
import io.parley.history.EntryKind;
import io.parley.history.MessageSubmission;
import io.parley.history.StoredMessage;

import org.springframework.stereotype.Component;

/**
 * Assigns the next sequence number of a conversation and stores the entry. Only the consumer that
 * owns the conversation's Kafka partition calls this, so there is one writer per conversation; the
 * cached head is only a speed-up, and the conditional insert in {@link MessageStore} makes a stale
 * writer (one that lost its partition while paused) fail instead of overwriting.
 *
 * <p>Being the single writer also makes this the place where the rules are decided once for all
 * nodes: whether the sender is still a member, and whether an edit wins its compare-and-set.
 */
@Component
class Sequencer {

	/** What became of a submission. */
	record Outcome(StoredMessage entry, boolean duplicate, Refusal refusal) {

		static Outcome stored(StoredMessage entry, boolean duplicate) {
			return new Outcome(entry, duplicate, null);
		}

		static Outcome refused(String code, String message, Integer currentVersion) {
			return new Outcome(null, false, new Refusal(code, message, currentVersion));
		}
	}

	record Refusal(String code, String message, Integer currentVersion) {
	}

	private static final int ATTEMPTS = 5;

	private final MessageStore store;
	private final Conversations conversations;
	private final MessageIds ids;
	private final Clock clock;
	private final Map<UUID, Long> heads = new ConcurrentHashMap<>();

	Sequencer(MessageStore store, Conversations conversations, NodeIdLease nodeId, Clock clock) {
		this.store = store;
		this.conversations = conversations;
		this.ids = new MessageIds(nodeId::nodeId, clock);
		this.clock = clock;
	}

	Outcome append(MessageSubmission submission) {
		UUID conversation = submission.conversationId();
		for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
			// A retry (lost ack, reconnect, other node, or this record re-delivered after a crash or a
			// rebalance) finds the entry it already produced. Checked on every attempt: a writer that
			// lost a race for a seq may have lost it to its own re-delivered submission.
			Optional<StoredMessage> earlier = earlier(submission);
			if (earlier.isPresent()) {
				if (!sameOperation(earlier.get(), submission)) {
					// An ack means "this operation is stored": never ack a different one under a reused id.
					return Outcome.refused("client_message_id_reused", "clientMessageId " + submission.clientMessageId()
							+ " already names another operation (seq " + earlier.get().seq() + ")", null);
				}
				reapply(earlier.get()); // an edit or delete whose row update a crash interrupted
				return Outcome.stored(earlier.get(), true);
			}
			if (!conversations.isMemberNow(conversation, submission.senderId())) {
				return Outcome.refused("not_a_member", "You are not a member of conversation " + conversation, null);
			}
			Instant now = Instant.now(clock).truncatedTo(ChronoUnit.MILLIS);
			long seq = heads.computeIfAbsent(conversation, store::head) + 1;
			StoredMessage entry;
			if (submission.kind() == EntryKind.MESSAGE) {
				entry = StoredMessage.message(conversation, seq, ids.next(), submission.senderId(), submission.clientMessageId(),
						submission.body(), submission.ciphertext(), now);
			}
			else {
				Object checked = checkChange(submission, seq, now);
				if (checked instanceof Outcome refused) {
					return refused;
				}
				entry = (StoredMessage) checked;
			}
			// Remember the client id before storing: a crash between the two then leaves a pointer to a
			// missing or foreign seq, which the check above ignores, never a stored entry without it.
			store.rememberClientMessage(entry);
			if (store.insertIfAbsent(entry)) {
				heads.put(conversation, seq);
				store.advanceHead(conversation, seq);
				reapply(entry);
				return Outcome.stored(entry, false);
			}
			heads.remove(conversation); // someone else wrote this seq: our cached head is stale, reload it
		}
		throw new IllegalStateException("Could not claim a sequence number for conversation " + conversation);
	}

	private Optional<StoredMessage> earlier(MessageSubmission submission) {
		return store.seqOfClientMessage(submission.conversationId(), submission.senderId(), submission.clientMessageId())
			.flatMap(seq -> store.find(submission.conversationId(), seq))
			.filter(m -> m.senderId().equals(submission.senderId()) && m.clientMessageId().equals(submission.clientMessageId()));
	}

	private static boolean sameOperation(StoredMessage earlier, MessageSubmission submission) {
		return earlier.kind() == submission.kind() && java.util.Objects.equals(earlier.targetSeq(), submission.targetSeq());
	}

	/** An edit or delete of a message: only its author, only while not deleted, only from the version they saw. */
	private Object checkChange(MessageSubmission submission, long seq, Instant now) {
		Optional<StoredMessage> target = store.find(submission.conversationId(), submission.targetSeq())
			.filter(m -> m.kind() == EntryKind.MESSAGE);
		if (target.isEmpty()) {
			return Outcome.refused("message_not_found", "No message with seq " + submission.targetSeq(), null);
		}
		StoredMessage message = target.get();
		if (!message.senderId().equals(submission.senderId())) {
			return Outcome.refused("not_author", "Only the author can change a message", null);
		}
		if (message.deleted()) {
			return Outcome.refused("message_deleted", "The message was deleted", message.version());
		}
		if (submission.kind() == EntryKind.EDIT && submission.expectedVersion() != null
				&& submission.expectedVersion() != message.version()) {
			return Outcome.refused("version_conflict", "The message is at version " + message.version() + ", not "
					+ submission.expectedVersion(), message.version());
		}
		int version = message.version() + 1;
		String body = submission.kind() == EntryKind.EDIT ? submission.body() : null;
		byte[] ciphertext = submission.kind() == EntryKind.EDIT ? submission.ciphertext() : null;
		return new StoredMessage(submission.conversationId(), seq, ids.next(), submission.senderId(),
				submission.clientMessageId(), submission.kind(), body, now, submission.targetSeq(), version, now,
				submission.kind() == EntryKind.DELETE, ciphertext);
	}

	/** Applies an edit or delete entry to its target row; idempotent (guarded by the version). */
	private void reapply(StoredMessage entry) {
		if (entry.kind() == EntryKind.EDIT) {
			store.applyEdit(entry.conversationId(), entry.targetSeq(), entry.body(), entry.ciphertext(), entry.version(),
					entry.sentAt());
		}
		else if (entry.kind() == EntryKind.DELETE) {
			store.applyDelete(entry.conversationId(), entry.targetSeq(), entry.version(), entry.sentAt());
		}
	}

	/** Partition ownership changed: cached heads may be stale. */
	void forgetHeads() {
		heads.clear();
	}
}
