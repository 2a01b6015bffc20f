package io.parley.realtime.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;

import io.parley.realtime.OverloadSettings;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.socket.CloseStatus;

/**
 * The graceful drain of this node's sessions on shutdown. It stops first of all lifecycle beans
 * (highest phase): before the Kafka listeners (so live delivery goes on while clients leave) and
 * before the web server's graceful shutdown.
 * <ol>
 * <li>Readiness goes down ({@code REFUSING_TRAFFIC}: {@code /actuator/health/readiness} answers 503)
 * and {@link Admission} refuses every new session with {@code draining}.</li>
 * <li>After {@code parley.realtime.drain-grace} (for load balancers to notice), every connection is
 * sent a {@code reconnect} frame whose {@code retryAfterMs} is spread evenly over
 * {@code drain-window}: connection i of n gets a random delay in [i·w/n, (i+1)·w/n), so the clients
 * come back to the other nodes in a steady trickle rather than all at once.</li>
 * <li>Once their queues are written (at most half of {@code drain-timeout}), the sockets close with
 * 1012 (service restart); the drain then waits (the rest of the timeout) for the sessions to end.</li>
 * </ol>
 * Nothing acknowledged is lost: an ack is only sent once the entry is stored in Cassandra, and a
 * client resumes from its cursor on the node it reconnects to. Sends in flight without an ack are
 * re-sent by the client with the same {@code clientMessageId}.
 */
@Component
class Drain implements SmartLifecycle {

	static final CloseStatus DRAINED = CloseStatus.SERVICE_RESTARTED;

	private static final Logger log = LoggerFactory.getLogger(Drain.class);

	private final LocalConnections connections;
	private final Admission admission;
	private final OverloadSettings settings;
	private final ApplicationEventPublisher events;
	private volatile boolean running;

	Drain(LocalConnections connections, Admission admission, OverloadSettings settings, ApplicationEventPublisher events) {
		this.connections = connections;
		this.admission = admission;
		this.settings = settings;
		this.events = events;
	}

	@Override
	public void start() {
		running = true;
	}

	@Override
	public boolean isRunning() {
		return running;
	}

	/** First to stop, last to start. */
	@Override
	public int getPhase() {
		return Integer.MAX_VALUE;
	}

	@Override
	public void stop() {
		AvailabilityChangeEvent.publish(events, this, ReadinessState.REFUSING_TRAFFIC);
		admission.drain();
		log.info("Draining: readiness down, new sessions refused; {} sessions open", connections.count());
		pause(settings.drainGrace());

		List<Connection> leaving = new ArrayList<>(connections.all());
		Collections.shuffle(leaving);
		long window = settings.drainWindow().toMillis();
		for (int i = 0; i < leaving.size(); i++) {
			long slot = window / leaving.size();
			long delay = i * window / leaving.size() + (slot > 0 ? ThreadLocalRandom.current().nextLong(slot) : 0);
			leaving.get(i).send(new ServerFrame.Reconnect(Admission.DRAINING, delay));
		}
		long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
		long flushed = System.nanoTime() + settings.drainTimeout().toNanos() / 2;
		await(() -> leaving.stream().allMatch(c -> c.queued() == 0), flushed);
		leaving.forEach(c -> c.close(DRAINED));
		// A handshake admitted just before the drain may open its session after the snapshot: it is
		// told and closed too (with a delay anywhere in the window).
		Set<String> told = new HashSet<>();
		leaving.forEach(c -> told.add(c.id()));
		await(() -> {
			for (Connection late : connections.all()) {
				if (told.add(late.id())) {
					late.send(new ServerFrame.Reconnect(Admission.DRAINING, window > 0 ? ThreadLocalRandom.current().nextLong(window) : 0));
					late.close(DRAINED);
				}
			}
			return connections.count() == 0;
		}, deadline);
		log.info("Drained: {} sessions told to reconnect over {}, {} still open", leaving.size(), settings.drainWindow(),
				connections.count());
		running = false;
	}

	private static void await(BooleanSupplier done, long deadlineNanos) {
		while (!done.getAsBoolean() && System.nanoTime() < deadlineNanos) {
			pause(Duration.ofMillis(20));
		}
	}

	private static void pause(Duration duration) {
		if (duration.isZero() || duration.isNegative()) {
			return;
		}
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}
}
