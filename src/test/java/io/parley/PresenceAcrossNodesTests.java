package io.parley;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.ChatClient;
import io.parley.support.ParleyApi;
import io.parley.support.ParleyApi.User;
import io.parley.support.SecondNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.web.reactive.socket.CloseStatus;

import tools.jackson.databind.JsonNode;

/**
 * Presence across two nodes on real Redis. Node 1 runs the defaults (refresh 10 s, TTL 15 s);
 * node 2 renews every second with a 2 s TTL, so expiry can be watched in test time.
 */
@ParleyIntegrationTest
class PresenceAcrossNodesTests {

	static final Map<String, Object> SHORT_TTL = Map.of("parley.presence.refresh-interval", "1s", "parley.presence.ttl", "2s",
			"parley.presence.typing-interval", "1s");

	static SecondNode node2;

	@LocalServerPort
	int port;

	ParleyApi node1Api;
	ParleyApi node2Api;

	@BeforeAll
	static void startSecondNode() {
		node2 = SecondNode.start(SHORT_TTL); // its node id is leased, like every node's: never pinned in a test
	}

	@AfterAll
	static void stopSecondNode() {
		node2.close();
	}

	@BeforeEach
	void apis() {
		node1Api = new ParleyApi(port);
		node2Api = node2.api();
	}

	@Test
	void presenceChangesReachOnlyWatchersWhoShareAConversationAcrossNodes() {
		User alice = node1Api.newUser("alice");
		User bob = node1Api.newUser("bob");
		User carol = node1Api.newUser("carol"); // shares nothing with alice
		node1Api.createGroup(alice, "Presence", bob);

		try (ChatClient aliceOn2 = node2Api.connect(alice)) {
			aliceOn2.subscribePresence(bob.id(), carol.id());
			JsonNode state = aliceOn2.expect("presence.state");
			assertThat(state.get("users")).hasSize(1); // carol is left out: no shared conversation
			assertThat(state.get("users").get(0).get("userId").asString()).isEqualTo(bob.id().toString());
			assertThat(state.get("users").get(0).get("status").asString()).isEqualTo("offline");

			ChatClient bobOn1 = node1Api.connect(bob);
			assertPresence(aliceOn2.expect("presence"), bob, "online");

			try (ChatClient carolOn1 = node1Api.connect(carol)) {
				bobOn1.sendFrame(Map.of("type", "presence.set", "status", "away"));
				// Frames arrive in order: had carol's coming online reached alice, it would be next.
				assertPresence(aliceOn2.expect("presence"), bob, "away");
				bobOn1.sendFrame(Map.of("type", "presence.set", "status", "online"));
				assertPresence(aliceOn2.expect("presence"), bob, "online");
			}

			// A normal close of the last device: offline at once, far sooner than node 1's 15 s TTL.
			Instant closed = Instant.now();
			bobOn1.close();
			JsonNode offline = aliceOn2.expect("presence");
			assertPresence(offline, bob, "offline");
			assertThat(Duration.between(closed, Instant.now())).isLessThan(Duration.ofSeconds(5));
			assertThat(Instant.parse(offline.get("lastSeen").asString())).isBetween(closed.minusSeconds(1), Instant.now());
		}

		JsonNode batch = node1Api.http().get().uri("/api/presence?userIds=" + bob.id() + "," + carol.id())
			.headers(h -> h.setBearerAuth(alice.token()))
			.exchange().expectStatus().isOk()
			.expectBody(JsonNode.class).returnResult().getResponseBody();
		assertThat(batch.get("users")).hasSize(1);
		assertThat(batch.get("users").get(0).get("status").asString()).isEqualTo("offline");
	}

	@Test
	void subscriptionsAndQueriesAreBounded() {
		User alice = node1Api.newUser("alice");
		UUID[] many = IntStream.range(0, 101).mapToObj(i -> UUID.randomUUID()).toArray(UUID[]::new);
		try (ChatClient aliceOn1 = node1Api.connect(alice)) {
			aliceOn1.subscribePresence(many);
			assertThat(aliceOn1.expect("error").get("code").asString()).isEqualTo("too_many_users");
		}
		node1Api.http().get().uri("/api/presence?userIds=" + String.join(",", java.util.Arrays.stream(many).map(UUID::toString).toList()))
			.headers(h -> h.setBearerAuth(alice.token()))
			.exchange().expectStatus().isBadRequest()
			.expectBody().jsonPath("$.code").isEqualTo("too_many_users");
	}

	@Test
	void hiddenLastSeenIsNeverShownToOthers() {
		User alice = node1Api.newUser("alice");
		User bob = node1Api.newUser("bob");
		node1Api.createGroup(alice, "Private", bob);
		node1Api.http().put().uri("/api/me/privacy").headers(h -> h.setBearerAuth(bob.token()))
			.bodyValue(Map.of("hideLastSeen", true))
			.exchange().expectStatus().isOk();

		try (ChatClient aliceOn1 = node1Api.connect(alice)) {
			ChatClient bobOn2 = node2Api.connect(bob);
			bobOn2.close();
			// A clean close takes Bob offline at once: the server writes it as his socket ends, which
			// can be a moment after his side of the close handshake returns.
			await().atMost(Duration.ofSeconds(2)).until(() -> "offline".equals(statusVia(node1Api, alice, bob)));
			aliceOn1.subscribePresence(bob.id());
			JsonNode bobState = aliceOn1.expect("presence.state").get("users").get(0);
			assertThat(bobState.get("status").asString()).isEqualTo("offline");
			assertThat(bobState.has("lastSeen")).isFalse();

			bobOn2 = node2Api.connect(bob);
			assertPresence(aliceOn1.expect("presence"), bob, "online");
			bobOn2.close();
			JsonNode offline = aliceOn1.expect("presence");
			assertPresence(offline, bob, "offline");
			assertThat(offline.has("lastSeen")).isFalse();
		}
	}

	/** Fault B06: idle users do not flap; a reload (1001) and reconnect within the TTL shows nothing. */
	@Test
	void anIdleUserAndAQuickReconnectShowWatchersNoFlap() {
		User alice = node1Api.newUser("alice");
		User bob = node1Api.newUser("bob");
		node1Api.createGroup(alice, "Steady", bob);

		try (ChatClient aliceOn1 = node1Api.connect(alice)) {
			ChatClient bobOn2 = node2Api.connect(bob);
			aliceOn1.subscribePresence(bob.id());
			assertThat(aliceOn1.expect("presence.state").get("users").get(0).get("status").asString()).isEqualTo("online");

			// Idle for two TTLs of node 2: renewals keep bob online, alice hears nothing.
			await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).until(() -> aliceOn1.pending() == 0);

			bobOn2.close(CloseStatus.GOING_AWAY);
			try (ChatClient bobAgainOn1 = node1Api.connect(bob)) {
				// The old entry expires and is swept meanwhile; the new one keeps bob online.
				await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).until(() -> aliceOn1.pending() == 0);
				assertThat(statusVia(node1Api, alice, bob)).isEqualTo("online");
			}
		}
	}

	/**
	 * A node that dies without a word, as Redis sees it: its connection factory is stopped, so from
	 * that moment no renewal, goodbye or typing stop of it gets out (the process itself stays up, as a
	 * frozen or partitioned node would). Its user goes offline within the TTL and its typist's
	 * indicator is cleared by expiry, both announced by node 1's sweeper.
	 */
	@Test
	void aSilentlyKilledNodesUsersGoOfflineWithinTheTtlAndTheirTypingExpires() {
		User alice = node1Api.newUser("alice");
		User bob = node1Api.newUser("bob");
		UUID group = node1Api.createGroup(alice, "Doomed", bob);
		java.util.Map<String, Object> properties = new java.util.HashMap<>(SHORT_TTL);
		properties.put("server.shutdown", "immediate"); // its sockets are left open on purpose
		SecondNode node3 = SecondNode.start(properties);
		ChatClient bobOn3 = null;
		try (ChatClient aliceOn1 = node1Api.connect(alice)) {
			bobOn3 = node3.api().connect(bob);
			aliceOn1.subscribePresence(bob.id());
			assertThat(aliceOn1.expect("presence.state").get("users").get(0).get("status").asString()).isEqualTo("online");
			bobOn3.typing("start", group);
			assertTyping(aliceOn1.expect("typing"), bob, "start");

			node3.context().getBean(LettuceConnectionFactory.class).stop();
			Instant killed = Instant.now();
			assertThat(statusVia(node1Api, alice, bob)).as("no goodbye reached Redis").isEqualTo("online");

			// Within node 3's typing expiry (2 s) and TTL (2 s) plus one sweep, in either order.
			JsonNode first = aliceOn1.next();
			JsonNode second = aliceOn1.next();
			assertThat(Duration.between(killed, Instant.now())).isLessThan(Duration.ofSeconds(6));
			JsonNode typing = first.get("type").asString().equals("typing") ? first : second;
			JsonNode presence = typing == first ? second : first;
			assertTyping(typing, bob, "stop");
			assertThat(typing.get("reason").asString()).isEqualTo("expired");
			assertPresence(presence, bob, "offline");
			assertThat(Instant.parse(presence.get("lastSeen").asString())).isBefore(Instant.now());
		}
		finally {
			if (bobOn3 != null) {
				bobOn3.close();
			}
			node3.close();
		}
	}

	static void assertPresence(JsonNode frame, User user, String status) {
		assertThat(frame.get("type").asString()).isEqualTo("presence");
		assertThat(frame.get("userId").asString()).isEqualTo(user.id().toString());
		assertThat(frame.get("status").asString()).as("status in %s", frame).isEqualTo(status);
	}

	static void assertTyping(JsonNode frame, User typist, String action) {
		assertThat(frame.get("type").asString()).as("frame %s", frame).isEqualTo("typing");
		assertThat(frame.get("userId").asString()).isEqualTo(typist.id().toString());
		assertThat(frame.get("action").asString()).as("action in %s", frame).isEqualTo(action);
	}

	static String statusVia(ParleyApi api, User viewer, User user) {
		return api.http().get().uri("/api/presence?userIds=" + user.id())
			.headers(h -> h.setBearerAuth(viewer.token()))
			.exchange().expectStatus().isOk()
			.expectBody(JsonNode.class).returnResult().getResponseBody()
			.get("users").get(0).get("status").asString();
	}
}
