package io.parley.presence.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.parley.dev.ParleyIntegrationTest;
import io.parley.groups.Conversations;
import io.parley.presence.PresenceSettings;
import io.parley.presence.TypingAction;
import io.parley.presence.TypingOutcome;
import io.parley.support.ChatClient;
import io.parley.support.ParleyApi;
import io.parley.support.ParleyApi.User;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Fault B04, measured: a client that sends a typing frame on every keystroke, 300 a minute for a
 * minute, in compressed time. The typist's "node" here is a {@link RedisTyping} on a hand-driven
 * clock against the real Redis; the watcher is a real socket on node 1, which relays from pub/sub.
 */
@ParleyIntegrationTest
class TypingSignalReductionTests {

	/** A clock the test moves by hand. */
	static final class ManualClock extends Clock {

		private volatile Instant now = Instant.now();

		void advance(Duration by) {
			now = now.plus(by);
		}

		@Override
		public Instant instant() {
			return now;
		}

		@Override
		public ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(ZoneId zone) {
			return this;
		}
	}

	@LocalServerPort
	int port;

	@Autowired
	ReactiveStringRedisTemplate redis;

	@Autowired
	Conversations conversations;

	@Autowired
	JsonMapper json;

	@Autowired
	PresenceSettings settings; // defaults: typing interval 3 s

	@Test
	void threeHundredKeystrokesAMinuteReachAWatcherAsAStartTwentyRenewalsAndAStop() {
		ParleyApi api = new ParleyApi(port);
		User alice = api.newUser("alice");
		User bob = api.newUser("bob");
		UUID group = api.createGroup(alice, "Keystrokes", bob);
		ManualClock clock = new ManualClock();
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		RedisTyping typist = new RedisTyping(redis, settings, clock, conversations, json, meters);

		try (ChatClient alice1 = api.connect(alice)) {
			for (int keystroke = 0; keystroke < 300; keystroke++) { // one every 200 ms for 60 s
				typist.typing(bob.id(), "bob-laptop", group, keystroke == 0 ? TypingAction.START : TypingAction.RENEW).block();
				clock.advance(Duration.ofMillis(200));
			}
			assertThat(typist.typing(bob.id(), "bob-laptop", group, TypingAction.STOP).block()).isEqualTo(TypingOutcome.RELAYED);

			List<String> received = new ArrayList<>();
			JsonNode frame;
			do {
				frame = alice1.expect("typing");
				received.add(frame.get("action").asString());
			}
			while (!"stop".equals(frame.get("action").asString()));
			await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> alice1.pending() == 0);

			// Relayed at 0 s (start), then every 3 s: 3, 6, ... 57 s (19 renewals), then the stop.
			assertThat(received.get(0)).isEqualTo("start");
			assertThat(received.subList(1, received.size() - 1)).containsOnly("renew").hasSizeBetween(19, 20);
			assertThat(received).last().isEqualTo("stop");
			assertThat(meters.counter("parley.typing.frames.in").count()).isEqualTo(301);
			assertThat(meters.counter("parley.typing.frames", "outcome", "relayed").count()).isEqualTo(received.size());
			assertThat(meters.counter("parley.typing.frames", "outcome", "dropped").count()).isEqualTo(301 - received.size());
		}
	}

	/** Fault B01: the state and its deadline are in Redis, so a sweep by any node, even after a restart, stops it. */
	@Test
	void aTypistWhoVanishesIsStoppedByExpiryAfterTwiceTheInterval() {
		ParleyApi api = new ParleyApi(port);
		User alice = api.newUser("alice");
		User bob = api.newUser("bob");
		UUID group = api.createGroup(alice, "Vanishing", bob);
		ManualClock clock = new ManualClock();
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		RedisTyping vanished = new RedisTyping(redis, settings, clock, conversations, json, meters);

		try (ChatClient alice1 = api.connect(alice)) {
			vanished.typing(bob.id(), "bob-phone", group, TypingAction.START).block();
			assertThat(alice1.expect("typing").get("action").asString()).isEqualTo("start");

			// A fresh instance stands for any node, e.g. the typist's own after a restart: no memory of bob.
			RedisTyping restarted = new RedisTyping(redis, settings, clock, conversations, json, meters);
			clock.advance(settings.typingExpiry().minusMillis(1));
			restarted.sweep().block();
			assertThat(redis.opsForZSet().score(RedisTyping.DEADLINES, group + ":" + bob.id()).block())
				.as("still typing just before 2 × interval").isNotNull();
			clock.advance(Duration.ofMillis(2));
			restarted.sweep().block();
			JsonNode stop = alice1.expect("typing");
			assertThat(stop.get("action").asString()).isEqualTo("stop");
			assertThat(stop.get("reason").asString()).isEqualTo("expired");
			assertThat(meters.counter("parley.typing.expired").count()).isEqualTo(1);
		}
	}
}
