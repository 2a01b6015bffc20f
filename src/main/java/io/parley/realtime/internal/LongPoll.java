package io.parley.realtime.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import org.springframework.web.reactive.socket.CloseStatus;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * The poll side of one long-polling session: the frames queued for it between polls, and the
 * handover from one poll to the next.
 * <ul>
 * <li>Frames that arrive while no poll is open wait here (at most {@code capacity}; past that the
 * session ends and the client's next poll resumes from history, exactly as a slow WebSocket does).</li>
 * <li>A poll answers at once when frames wait, else when the first one arrives, else empty after the
 * poll timeout.</li>
 * <li>Each answer carries a cursor: the resume positions after its frames, then {@code ~} and the
 * number of the batch. The next poll sends it back. If it comes back with anything else, the client
 * did not get the last answer (a response lost on the way), and its frames are sent again, ahead of
 * new ones: a lost response costs a repeat, never a gap. The client drops repeats by seq.</li>
 * </ul>
 * Guarded by its own monitor; frames arrive on any thread, polls on event loops. Nothing here blocks,
 * and no waiter is woken while the monitor is held: a woken poll's answer runs on the waking thread
 * (taking the batch, ending a closed session, writing the response), and a caller of {@link #offer}
 * already holds its {@link Connection}'s monitor, so waking inside ours would order the two monitors
 * both ways and deadlock a delivery thread against a poll.
 */
final class LongPoll {

	/** What one poll hands the client: frames in order and the cursor to poll with next. */
	record Batch(String cursor, List<OutboundFrame> frames, CloseStatus closed) {
	}

	/** An open poll: signalled when frames arrive, or when a newer poll of the same client replaces it. */
	private static final class Waiter {

		final Sinks.One<Boolean> ready = Sinks.one();
		boolean superseded;
	}

	private final CursorPositions positions;
	private final int capacity;
	private final ArrayDeque<OutboundFrame> pending = new ArrayDeque<>();
	private List<OutboundFrame> handedOut = List.of();
	private String handedOutCursor;
	/** The cursor before the last answer: a poll that comes with it did not get that answer. */
	private String previousCursor;
	private long batches;
	private Waiter waiting;
	private long idleSinceNanos = System.nanoTime();
	private CloseStatus closed;

	LongPoll(CursorPositions positions, int capacity) {
		this.positions = positions;
		this.capacity = capacity;
	}

	/** A frame for the client, from the session's outbound queue. */
	void offer(OutboundFrame frame) {
		Waiter woken;
		synchronized (this) {
			if (closed != null) {
				return;
			}
			if (pending.size() >= capacity) {
				// The client stopped polling but its session lives: rather than hold without bound, end it.
				// Its next poll starts a new session from its cursor, and history fills the rest.
				pending.clear();
				handedOut = List.of();
				closed = Connection.TOO_SLOW;
			}
			else {
				pending.add(frame);
			}
			woken = waiting;
		}
		wake(woken);
	}

	/** The session is ending: frames already queued still go out, then the close. */
	void close(CloseStatus status) {
		Waiter woken;
		synchronized (this) {
			if (closed == null) {
				closed = status;
			}
			woken = waiting;
		}
		wake(woken);
	}

	synchronized boolean isClosed() {
		return closed != null;
	}

	/** The cursor the client would resume from now: the positions of what it was handed. */
	synchronized String cursor() {
		return handedOutCursor != null ? handedOutCursor : positions + "~" + batches;
	}

	/** True when no poll is open and none has been for longer than {@code timeout}. */
	synchronized boolean idleFor(Duration timeout) {
		return waiting == null && System.nanoTime() - idleSinceNanos > timeout.toNanos();
	}

	/**
	 * One poll. {@code cursor} is what the previous answer said (or {@code null} on the first poll).
	 * Completes with the frames that wait, at once, or when the first arrives, or empty after {@code timeout}.
	 */
	Mono<Batch> poll(String cursor, Duration timeout) {
		Waiter waiter;
		Waiter superseded;
		synchronized (this) {
			if (cursor != null && !acknowledges(cursor) && !cursor.equals(previousCursor())) {
				// Neither the last answer's cursor nor the one before it: not a cursor of this session.
				return Mono.error(new UnknownCursor(cursor));
			}
			if (!handedOut.isEmpty() && !acknowledges(cursor)) {
				// The last answer did not arrive: its frames go again, first.
				for (int i = handedOut.size() - 1; i >= 0; i--) {
					pending.addFirst(handedOut.get(i));
				}
			}
			handedOut = List.of();
			superseded = waiting;
			if (superseded != null) {
				superseded.superseded = true; // an older poll of this client still open: it answers empty
			}
			waiter = new Waiter();
			waiting = waiter;
			if (!pending.isEmpty() || closed != null) {
				waiter.ready.tryEmitValue(true); // nobody subscribed yet: this runs nothing
			}
		}
		wake(superseded);
		return waiter.ready.asMono()
			.timeout(timeout, Mono.just(false))
			// The answer (take, end a closed session, write) never runs on the thread that woke it: that
			// thread may be a delivery holding a Connection's monitor.
			.publishOn(Schedulers.parallel())
			.map(ignored -> take(waiter))
			.doOnCancel(() -> abandoned(waiter));
	}

	/** The client went away mid-poll: nothing was taken, so everything waits for its next poll. */
	private synchronized void abandoned(Waiter waiter) {
		if (waiting == waiter) {
			waiting = null;
			idleSinceNanos = System.nanoTime();
		}
	}

	private String previousCursor() {
		return previousCursor != null ? previousCursor : positions.initial() + "~0";
	}

	/** A poll whose cursor this session never handed out. */
	static final class UnknownCursor extends RuntimeException {

		UnknownCursor(String cursor) {
			super("This session never handed out the cursor '" + (cursor.length() > 80 ? cursor.substring(0, 80) + "…" : cursor)
					+ "': poll with the cursor of the last answer");
		}
	}

	/** Whether the client polls with the cursor of the last answer, so it got that answer. */
	private boolean acknowledges(String cursor) {
		return cursor != null && cursor.equals(handedOutCursor);
	}

	private synchronized Batch take(Waiter waiter) {
		if (waiting == waiter) {
			waiting = null;
			idleSinceNanos = System.nanoTime();
		}
		if (waiter.superseded) {
			return new Batch(cursor(), List.of(), null);
		}
		List<OutboundFrame> frames = new ArrayList<>(pending);
		pending.clear();
		frames.forEach(frame -> positions.advance(frame.frame()));
		batches++;
		handedOut = frames;
		previousCursor = handedOutCursor;
		handedOutCursor = positions + "~" + batches;
		return new Batch(handedOutCursor, frames, closed);
	}

	/** Outside the monitor (see the class comment); a waiter woken twice ignores the second time. */
	private static void wake(Waiter waiter) {
		if (waiter != null) {
			waiter.ready.tryEmitValue(true);
		}
	}
}
