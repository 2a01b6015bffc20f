package io.parley.realtime.internal;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.parley.realtime.OverloadSettings;

import org.springframework.stereotype.Component;

/**
 * Load shedding: every transport asks here before it opens a session. A node holds at most
 * {@code parley.realtime.max-connections} sessions and {@code max-handshakes} handshakes in
 * progress; beyond either, or once the node drains, a new client is refused with a jittered retry
 * hint, while sessions already open carry on untouched.
 * <p>
 * A {@link Ticket} follows one client from its handshake to the end of its session: it holds a
 * handshake slot until the session opens, then a connection slot until it ends. Releasing is
 * idempotent, so a transport may release on every exit path.
 */
@Component
class Admission {

	/** Why a client was refused: the stable {@code code} of the 503 problem (and the metric tag). */
	static final String OVERLOADED = "overloaded";
	static final String DRAINING = "draining";

	private final OverloadSettings settings;
	private final MeterRegistry registry;
	private final AtomicInteger handshakes = new AtomicInteger();
	private final AtomicInteger sessions = new AtomicInteger();
	private volatile boolean draining;

	Admission(OverloadSettings settings, MeterRegistry registry) {
		this.settings = settings;
		this.registry = registry;
		Gauge.builder("parley.handshakes.active", handshakes, AtomicInteger::get)
			.description("Handshakes in progress on this node (admitted, session not open yet)")
			.register(registry);
	}

	/** The outcome of asking: a ticket, or a refusal with how long to wait. */
	record Decision(Ticket ticket, String refusal, Duration retryAfter) {

		boolean admitted() {
			return ticket != null;
		}
	}

	/** Asks for a handshake slot for a client of this transport. */
	synchronized Decision admit(String transport) {
		String refusal = null;
		if (draining) {
			refusal = DRAINING;
		}
		else if (handshakes.get() >= settings.maxHandshakes() || handshakes.get() + sessions.get() >= settings.maxConnections()) {
			refusal = OVERLOADED;
		}
		if (refusal != null) {
			Counter.builder("parley.handshakes.refused")
				.description("New sessions refused (503 before the upgrade) because the node was full or draining")
				.tag("transport", transport)
				.tag("reason", refusal)
				.register(registry)
				.increment();
			return new Decision(null, refusal, retryAfter());
		}
		handshakes.incrementAndGet();
		return new Decision(new Ticket(), null, null);
	}

	/** The wait a refused client is told: {@code retry-after} plus a uniform jitter, so refused clients spread out. */
	Duration retryAfter() {
		long jitter = settings.retryJitter().toMillis();
		return settings.retryAfter().plusMillis(jitter <= 0 ? 0 : ThreadLocalRandom.current().nextLong(jitter));
	}

	/** From now on every new client is refused ({@code draining}); open sessions are the drain's business. */
	void drain() {
		draining = true;
	}

	boolean draining() {
		return draining;
	}

	int sessions() {
		return sessions.get();
	}

	int handshakes() {
		return handshakes.get();
	}

	/** One admitted client: a handshake slot until {@link #opened}, then a session slot until {@link #release}. */
	final class Ticket {

		private static final int HANDSHAKING = 0;
		private static final int HANDSHAKE_ENDED = 1;
		private static final int OPEN = 2;
		private static final int RELEASED = 3;

		private final AtomicInteger state = new AtomicInteger(HANDSHAKING);

		/** The session is open: it now holds a session slot (and no handshake slot). */
		void opened() {
			if (state.compareAndSet(HANDSHAKING, OPEN)) {
				sessions.incrementAndGet();
				handshakes.decrementAndGet();
			}
			else if (state.compareAndSet(HANDSHAKE_ENDED, OPEN)) {
				sessions.incrementAndGet();
			}
		}

		/** The session ended (or never opened): frees whichever slot the ticket holds. */
		void release() {
			int was = state.getAndSet(RELEASED);
			if (was == HANDSHAKING) {
				handshakes.decrementAndGet();
			}
			else if (was == OPEN) {
				sessions.decrementAndGet();
			}
		}

		/**
		 * The handshake request is over (upgraded, refused by authentication, or failed): its handshake
		 * slot is free. A session that opens afterwards still takes its session slot.
		 */
		void handshakeEnded() {
			if (state.compareAndSet(HANDSHAKING, HANDSHAKE_ENDED)) {
				handshakes.decrementAndGet();
			}
		}
	}
}
