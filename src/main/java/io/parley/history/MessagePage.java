package io.parley.history;

import java.util.List;

/**
 * One page of history, newest first. {@code nextBefore} is the cursor for the next (older) page;
 * because sequence numbers have no gaps, {@code hasMore} is simply "the oldest seq here is above the
 * first one the reader may see".
 */
public record MessagePage(List<StoredMessage> messages, boolean hasMore, Long nextBefore) {
}
