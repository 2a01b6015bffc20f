package io.parley.realtime.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import reactor.core.Disposable;

/**
 * A connection never holds its monitor while its queue's end runs the transport's end. That end
 * closes the session's presence feed, which takes the feed's monitor; a typing signal holding the
 * feed's monitor may at the same moment be on its way into {@link Connection#send}. With the
 * completion under the connection's monitor the two threads waited for each other for good, and
 * the thread ending the connection was a Netty event loop (found by EventLoopsNeverBlockTests).
 */
class ConnectionLockOrderTests {

	private final Object feedMonitor = new Object();

	@Test
	void aSignalOnItsWayInWhileTheConnectionEndsDoesNotDeadlock() throws Exception {
		Connection connection = new Connection(UUID.randomUUID(), "websocket", status -> {
		}, 16);
		CountDownLatch signalHoldsTheFeed = new CountDownLatch(1);
		CountDownLatch endReachedTheFeed = new CountDownLatch(1);

		// The transport's end, run by whoever completes the queue: the session closes its feed.
		Disposable transport = connection.outbound().doOnComplete(() -> {
			endReachedTheFeed.countDown();
			synchronized (feedMonitor) {
				// the feed is closed
			}
		}).subscribe();

		// A typing signal: emitted under the feed's monitor, into the connection.
		Thread signal = new Thread(() -> {
			synchronized (feedMonitor) {
				signalHoldsTheFeed.countDown();
				await(endReachedTheFeed);
				connection.send(new ServerFrame.Pong("late"));
			}
		}, "typing-signal");
		// The event loop: the client went away, the connection ends.
		Thread eventLoop = new Thread(() -> {
			await(signalHoldsTheFeed);
			connection.complete();
		}, "event-loop");
		signal.setDaemon(true); // should they deadlock, they must not keep the test JVM alive
		eventLoop.setDaemon(true);
		signal.start();
		eventLoop.start();

		signal.join(TimeUnit.SECONDS.toMillis(10));
		eventLoop.join(TimeUnit.SECONDS.toMillis(10));
		assertThat(signal.isAlive()).as("the signal thread is stuck").isFalse();
		assertThat(eventLoop.isAlive()).as("the event loop is stuck").isFalse();
		assertThat(connection.queued()).as("a frame after the end is discarded").isZero();
		transport.dispose();
	}

	private static void await(CountDownLatch latch) {
		try {
			assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}
}
