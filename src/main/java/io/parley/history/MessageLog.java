package io.parley.history;

import java.util.UUID;

import reactor.core.publisher.Mono;

/** The history module's public API. */
public interface MessageLog {

	/**
	 * Hands a submission to the ordered pipeline (Kafka, keyed by conversation). Completes when the
	 * pipeline has it, not when it is stored: storage is announced by {@link MessageStored}.
	 */
	Mono<Void> submit(MessageSubmission submission);

	/** Messages with {@code seq < before} (all when null), newest first, at most {@code limit}. */
	Mono<MessagePage> page(UUID conversationId, Long before, int limit);
}
