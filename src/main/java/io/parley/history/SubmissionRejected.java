package io.parley.history;

import java.util.UUID;

/**
 * Published on every node when the sequencer refused a submission (the sender is no longer a member,
 * an edit lost its compare-and-set, the message was deleted…). Only the connection named by
 * {@code replyTo} hears it, as an error frame; nothing was stored and nobody else sees anything.
 *
 * @param currentVersion for {@code version_conflict}, the version that won
 */
public record SubmissionRejected(UUID conversationId, String clientMessageId, String replyTo, String code,
		String message, Integer currentVersion) {
}
