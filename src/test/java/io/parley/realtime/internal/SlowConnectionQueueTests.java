package io.parley.realtime.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.web.reactive.socket.CloseStatus;

import reactor.test.StepVerifier;

/**
 * A connection whose client does not read: its queue fills to the ephemeral mark, then ephemeral
 * frames are dropped and durable ones still queue; a durable frame that would pass the capacity
 * closes it with 4008, and nothing more is queued after that.
 */
class SlowConnectionQueueTests {

	private final List<CloseStatus> closes = new ArrayList<>();
	private final List<String> dropped = new ArrayList<>();
	private int tooSlow;

	private final OutboundPolicy.Listener listener = new OutboundPolicy.Listener() {

		@Override
		public void dropped(Connection connection, ServerFrame frame) {
			dropped.add(OutboundPolicy.kind(frame));
		}

		@Override
		public void tooSlow(Connection connection) {
			tooSlow++;
		}
	};

	private final Connection connection = new Connection(UUID.randomUUID(), "websocket", closes::add,
			new OutboundPolicy(4, 2, listener));

	@Test
	void ephemeralFramesGoFirstThenTheConnectionClosesWithAResumeHint() {
		connection.send(message(1));
		connection.send(typing());       // below the ephemeral mark: queued
		assertThat(connection.queued()).isEqualTo(2);

		connection.send(typing());       // at the mark: dropped
		connection.send(presence());     // dropped
		connection.send(message(2));     // durable: queued
		connection.send(message(3));     // durable: queued, the queue is full
		assertThat(dropped).containsExactly("typing", "presence");
		assertThat(connection.queued()).isEqualTo(4);
		assertThat(closes).isEmpty();

		connection.send(message(4));     // would overflow: the connection is closed
		assertThat(closes).containsExactly(Connection.TOO_SLOW);
		assertThat(Connection.TOO_SLOW.getCode()).isEqualTo(4008);
		assertThat(Connection.TOO_SLOW.getReason()).contains("resume");
		assertThat(connection.tooSlow()).isTrue();
		assertThat(tooSlow).isEqualTo(1);

		connection.send(message(5));     // after the close: discarded, no second close
		assertThat(closes).hasSize(1);
		assertThat(connection.peakQueued()).isEqualTo(4);

		// What was queued before the close is still written, in order, then the stream ends.
		StepVerifier.create(connection.outbound().map(f -> f.frame().getClass().getSimpleName()))
			.expectNext("Message", "Typing", "Message", "Message")
			.verifyComplete();
		assertThat(connection.queued()).isZero();
	}

	@Test
	void aClientThatReadsFreesRoom() {
		StepVerifier.create(connection.outbound(), 0)
			.then(() -> {
				for (int i = 1; i <= 4; i++) {
					connection.send(message(i));
				}
			})
			.thenRequest(2)
			.expectNextCount(2)
			.then(() -> {
				connection.send(typing());   // 2 queued: at the ephemeral mark, dropped
				connection.send(message(5)); // 3 queued
				connection.send(message(6)); // 4 queued: full, not over
			})
			.then(() -> assertThat(closes).isEmpty())
			.thenRequest(4)
			.expectNextCount(4)
			.thenCancel()
			.verify();
		assertThat(dropped).containsExactly("typing");
	}

	private static ServerFrame message(long seq) {
		return new ServerFrame.Message(UUID.randomUUID(), Long.toString(seq), seq, "message", UUID.randomUUID(), null, "hi",
				Instant.now(), null, null, null, null);
	}

	private static ServerFrame typing() {
		return new ServerFrame.Typing(UUID.randomUUID(), UUID.randomUUID(), "start", null);
	}

	private static ServerFrame presence() {
		return new ServerFrame.Presence(UUID.randomUUID(), "online", null);
	}
}
