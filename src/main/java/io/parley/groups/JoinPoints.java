package io.parley.groups;

import java.util.UUID;

/**
 * Where a conversation's log is now, so that a member added now is placed in it: they see entries
 * after this point, and nothing before. Implemented by the module that owns the log (history), which
 * keeps this module free of a dependency on it.
 */
public interface JoinPoints {

	/** Blocking: the conversation's highest sequence number now. */
	long currentSeqNow(UUID conversationId);
}
