package io.parley.realtime.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * A long poll is woken by whoever hands it a frame: a delivery thread that holds its
 * {@link Connection}'s monitor while it does. The answer (taking the batch, ending a closed session,
 * writing the response) must not run on that thread under that monitor, or a delivery and a poll that
 * ends the session take the two monitors in opposite orders and both wait for ever: the node stops
 * delivering and the event loop that polled stops serving every connection it carries.
 */
class LongPollHandoverTests {

	private final LongPoll poll = new LongPoll(CursorPositions.from(null), 16);
	private final Object connectionMonitor = new Object();

	@Test
	void aPollWokenByADeliveryAnswersOutsideTheDeliverersMonitorAndOutsideItsOwn() throws Exception {
		CompletableFuture<String> answeredWith = new CompletableFuture<>();
		poll.poll(null, Duration.ofSeconds(10))
			.subscribe(batch -> answeredWith.complete("frames=" + batch.frames().size()
					+ " deliverer's monitor held=" + Thread.holdsLock(connectionMonitor)
					+ " poll's monitor held=" + Thread.holdsLock(poll)));

		synchronized (connectionMonitor) { // as Connection.send holds it while its transport takes the frame
			poll.offer(new OutboundFrame(message(1)));
		}

		assertThat(answeredWith.get(5, TimeUnit.SECONDS))
			.isEqualTo("frames=1 deliverer's monitor held=false poll's monitor held=false");
	}

	@Test
	void aNewerPollSupersedesAnOpenOneWhichAnswersEmptyWithoutHoldingThePoll() throws Exception {
		CompletableFuture<String> olderAnswered = new CompletableFuture<>();
		poll.poll(null, Duration.ofSeconds(10))
			.subscribe(batch -> olderAnswered.complete("frames=" + batch.frames().size() + " held=" + Thread.holdsLock(poll)));

		CompletableFuture<Integer> newerAnswered = new CompletableFuture<>();
		poll.poll(null, Duration.ofSeconds(10)).subscribe(batch -> newerAnswered.complete(batch.frames().size()));
		assertThat(olderAnswered.get(5, TimeUnit.SECONDS)).isEqualTo("frames=0 held=false");

		poll.offer(new OutboundFrame(message(1)));
		assertThat(newerAnswered.get(5, TimeUnit.SECONDS)).as("the frame goes to the newer poll").isEqualTo(1);
	}

	@Test
	void aDeliveryAndANewerPollNeverDeadlock() throws Exception {
		// The older poll's answer takes the connection's monitor (as ending its session does, through
		// Connection.complete); a delivery holds that monitor while the newer poll supersedes the older
		// one, then offers its frame.
		CountDownLatch olderAnswered = new CountDownLatch(1);
		poll.poll(null, Duration.ofSeconds(10)).subscribe(batch -> {
			synchronized (connectionMonitor) {
				olderAnswered.countDown();
			}
		});
		Thread newerPoll = new Thread(() -> poll.poll(null, Duration.ofSeconds(10)).subscribe(), "newer-poll");
		Thread delivery = new Thread(() -> {
			synchronized (connectionMonitor) {
				newerPoll.start();
				long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
				while (newerPoll.getState() != Thread.State.TERMINATED && newerPoll.getState() != Thread.State.BLOCKED
						&& System.nanoTime() < until) {
					Thread.onSpinWait();
				}
				poll.offer(new OutboundFrame(message(2)));
			}
		}, "delivery");
		newerPoll.setDaemon(true); // if they do deadlock, they must not hold the test JVM
		delivery.setDaemon(true);
		delivery.start();
		delivery.join(5000);
		assertThat(delivery.isAlive()).as("the delivery got through (no deadlock)").isFalse();
		assertThat(olderAnswered.await(5, TimeUnit.SECONDS)).as("the older poll answered").isTrue();
	}

	private static ServerFrame message(long seq) {
		return new ServerFrame.Message(UUID.randomUUID(), Long.toString(seq), seq, "message", UUID.randomUUID(), null, "hi",
				Instant.now(), null, null, null, null);
	}
}
