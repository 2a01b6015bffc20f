package io.parley.presence;

/** What became of one typing frame. */
public enum TypingOutcome {

	/** Passed on to the other members. */
	RELAYED,
	/** Dropped by the throttle, or a stop with nothing to stop: silently, the sender stays connected. */
	DROPPED,
	/** The sender is not a member of the conversation: answered with {@code not_a_member}. */
	NOT_A_MEMBER
}
