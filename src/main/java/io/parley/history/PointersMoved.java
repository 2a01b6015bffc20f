package io.parley.history;

import java.util.Set;

/**
 * Published on every node (through Redis pub/sub) when a member's pointer moved forward.
 * {@code unread} is the member's unread count in the conversation right after the move, for their
 * own devices; {@code watchers} are the other members who see this member's ticks live (1:1
 * conversations), decided by the node that moved the pointer. A hint: a lost one is repaired by the
 * REST endpoints, never needed for correctness.
 */
public record PointersMoved(ReadPointer pointer, long unread, Set<java.util.UUID> watchers) {
}
