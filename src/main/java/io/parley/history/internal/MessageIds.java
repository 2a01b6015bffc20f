package io.parley.history.internal;

import java.time.Clock;
import java.time.Instant;

/**
 * 64-bit, roughly time-ordered message ids: 41 bits of milliseconds since 2026-01-01 UTC, 10 bits of
 * node id, 12 bits of a per-millisecond counter (as Twitter's Snowflake and Discord's ids). Order is
 * given by seq, not by these ids; the clock only makes them sortable by age. A clock that steps
 * backwards is ignored: time stays at the last value seen, so ids never repeat.
 */
final class MessageIds {

	static final long EPOCH_MILLIS = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
	private static final int NODE_BITS = 10;
	private static final int COUNTER_BITS = 12;
	private static final long MAX_COUNTER = (1L << COUNTER_BITS) - 1;

	private final java.util.function.IntSupplier node;
	private final Clock clock;
	private long lastMillis = -1;
	private long counter;

	MessageIds(int nodeId, Clock clock) {
		this(() -> nodeId, clock);
	}

	/** The node id may change (a lost lease re-acquired), so it is read for every id. */
	MessageIds(java.util.function.IntSupplier nodeId, Clock clock) {
		this.node = nodeId;
		this.clock = clock;
	}

	synchronized long next() {
		long now = Math.max(clock.millis() - EPOCH_MILLIS, lastMillis);
		if (now == lastMillis) {
			counter = (counter + 1) & MAX_COUNTER;
			if (counter == 0) {
				now = lastMillis + 1; // 4096 ids in one millisecond: borrow the next millisecond
			}
		}
		else {
			counter = 0;
		}
		lastMillis = now;
		return (now << (NODE_BITS + COUNTER_BITS)) | ((long) node.getAsInt() << COUNTER_BITS) | counter;
	}

	static long millisOf(long id) {
		return (id >>> (NODE_BITS + COUNTER_BITS)) + EPOCH_MILLIS;
	}

	static int nodeOf(long id) {
		return (int) ((id >>> COUNTER_BITS) & ((1L << NODE_BITS) - 1));
	}
}
