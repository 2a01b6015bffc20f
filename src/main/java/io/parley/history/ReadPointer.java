package io.parley.history;

import java.util.UUID;

/**
 * How far one member got in a conversation, over all of their devices: the highest seq delivered
 * to any device and the highest seq read on any. Both only move forward, and read implies
 * delivered ({@code deliveredSeq >= readSeq}).
 */
public record ReadPointer(UUID conversationId, UUID userId, long deliveredSeq, long readSeq) {
}
