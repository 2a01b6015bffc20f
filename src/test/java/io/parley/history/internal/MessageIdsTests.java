package io.parley.history.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** Message ids: unique, increasing, carrying their node and time; a clock stepping back changes nothing. */
class MessageIdsTests {

	/** A clock the test moves by hand. */
	static final class HandClock extends Clock {

		final AtomicLong millis = new AtomicLong(Instant.parse("2026-12-03T12:00:00Z").toEpochMilli());

		@Override
		public ZoneOffset getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(java.time.ZoneId zone) {
			return this;
		}

		@Override
		public Instant instant() {
			return Instant.ofEpochMilli(millis.get());
		}
	}

	@Test
	void idsIncreaseAndNeverRepeatEvenWithinOneMillisecond() {
		HandClock clock = new HandClock();
		MessageIds ids = new MessageIds(7, clock);
		Set<Long> seen = new HashSet<>();
		long previous = 0;
		for (int i = 0; i < 10_000; i++) { // more than the 4096 a millisecond holds
			long id = ids.next();
			assertThat(id).isGreaterThan(previous);
			assertThat(seen.add(id)).isTrue();
			previous = id;
		}
	}

	@Test
	void anIdCarriesItsNodeAndTime() {
		HandClock clock = new HandClock();
		long id = new MessageIds(1023, clock).next();
		assertThat(MessageIds.nodeOf(id)).isEqualTo(1023);
		assertThat(MessageIds.millisOf(id)).isEqualTo(clock.millis());
		assertThat(id).isPositive();
	}

	@Test
	void aClockSteppingBackwardsNeitherRepeatsNorDecreasesIds() {
		HandClock clock = new HandClock();
		MessageIds ids = new MessageIds(3, clock);
		long before = ids.next();
		clock.millis.addAndGet(-5_000); // NTP steps the clock back five seconds
		long after = ids.next();
		assertThat(after).isGreaterThan(before);
	}

	@Test
	void twoNodesNeverProduceTheSameIdAtTheSameInstant() {
		HandClock clock = new HandClock();
		MessageIds node1 = new MessageIds(1, clock);
		MessageIds node2 = new MessageIds(2, clock);
		Set<Long> all = new HashSet<>();
		for (int i = 0; i < 1000; i++) {
			assertThat(all.add(node1.next())).isTrue();
			assertThat(all.add(node2.next())).isTrue();
		}
	}
}
