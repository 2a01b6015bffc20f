package io.parley.realtime.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.parley.realtime.OverloadSettings;

import org.junit.jupiter.api.Test;

/** The counting behind load shedding: handshakes and sessions hold slots, every exit frees them exactly once. */
class AdmissionTests {

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
	private final Admission admission = new Admission(new OverloadSettings(3, 2, Duration.ofSeconds(2), Duration.ofSeconds(8),
			512, Duration.ofSeconds(5), Duration.ZERO, Duration.ofSeconds(10), Duration.ofSeconds(5)), meters);

	@Test
	void concurrentHandshakesAreCappedAndAnOpenedSessionFreesItsHandshakeSlot() {
		Admission.Ticket first = admission.admit("websocket").ticket();
		Admission.Ticket second = admission.admit("websocket").ticket();
		Admission.Decision third = admission.admit("websocket");
		assertThat(third.admitted()).isFalse();
		assertThat(third.refusal()).isEqualTo(Admission.OVERLOADED);

		first.opened();
		assertThat(admission.handshakes()).isEqualTo(1);
		assertThat(admission.sessions()).isEqualTo(1);
		assertThat(admission.admit("websocket").admitted()).isTrue(); // 1 session + 2 handshakes: the node is full
		assertThat(admission.admit("websocket").refusal()).isEqualTo(Admission.OVERLOADED);
		second.release();
		assertThat(admission.handshakes()).isEqualTo(1);
		assertThat(meters.get("parley.handshakes.refused").tag("reason", "overloaded").counter().count()).isEqualTo(2);
	}

	@Test
	void everyExitFreesItsSlotOnce() {
		Admission.Ticket ticket = admission.admit("websocket").ticket();
		ticket.handshakeEnded(); // the upgrade request completed before the session opened
		assertThat(admission.handshakes()).isZero();
		ticket.opened();         // the session still counts
		assertThat(admission.sessions()).isEqualTo(1);
		ticket.handshakeEnded();
		ticket.release();
		ticket.release();
		assertThat(admission.sessions()).isZero();
		assertThat(admission.handshakes()).isZero();

		Admission.Ticket refusedByAuthentication = admission.admit("websocket").ticket();
		refusedByAuthentication.handshakeEnded();
		refusedByAuthentication.release();
		assertThat(admission.handshakes()).isZero();
		assertThat(admission.sessions()).isZero();
	}

	@Test
	void aDrainingNodeRefusesEveryoneWithAJitteredHint() {
		admission.drain();
		Admission.Decision refused = admission.admit("websocket");
		assertThat(refused.refusal()).isEqualTo(Admission.DRAINING);
		java.util.Set<Long> hints = new java.util.HashSet<>();
		for (int i = 0; i < 50; i++) {
			Duration hint = admission.admit("sse").retryAfter();
			assertThat(hint).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(10));
			hints.add(hint.toMillis());
		}
		assertThat(hints).as("jittered hints").hasSizeGreaterThan(10);
		assertThat(meters.get("parley.handshakes.refused").tag("reason", "draining").tag("transport", "sse").counter().count())
			.isEqualTo(50);
	}
}
