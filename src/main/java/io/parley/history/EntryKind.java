package io.parley.history;

/**
 * What an entry of a conversation's log is. Every entry takes the next sequence number, so edits
 * and deletes reach members, live or on resume, in the same single order as messages.
 */
public enum EntryKind {

	/** A message; its row also carries its current body, version and deletion. */
	MESSAGE,
	/** A new version of the message at {@code targetSeq}. */
	EDIT,
	/** The message at {@code targetSeq} was deleted; its row keeps a tombstone. */
	DELETE;

	public String wireName() {
		return name().toLowerCase(java.util.Locale.ROOT);
	}
}
