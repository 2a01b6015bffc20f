package io.parley.history;

import java.util.List;
import java.util.UUID;

import reactor.core.publisher.Mono;

/** The history module's public API. */
public interface MessageLog {

	/**
	 * Hands a submission to the ordered pipeline (Kafka, keyed by conversation). Completes when the
	 * pipeline has it, not when it is stored: the outcome is announced by {@link MessageStored} or
	 * {@link SubmissionRejected}.
	 */
	Mono<Void> submit(MessageSubmission submission);

	/** Entries with {@code afterSeq < seq < before} (before = null: up to the newest), newest first, at most {@code limit}. */
	Mono<MessagePage> page(UUID conversationId, Long before, long afterSeq, int limit);

	/** Entries with {@code fromSeq <= seq <= toSeq}, oldest first (for catch-up and gap filling). */
	Mono<List<StoredMessage>> range(UUID conversationId, long fromSeq, long toSeq);

	/** The highest sequence number of the conversation now (0 if empty). */
	Mono<Long> head(UUID conversationId);
}
