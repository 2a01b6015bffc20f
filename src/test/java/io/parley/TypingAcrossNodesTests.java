package io.parley;

import static io.parley.PresenceAcrossNodesTests.assertTyping;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

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

import tools.jackson.databind.JsonNode;

/** Fault B03: typing crosses nodes through Redis pub/sub, reaches the other members only, and ends on its own. */
@ParleyIntegrationTest
class TypingAcrossNodesTests {

	static SecondNode node2;

	@LocalServerPort
	int port;

	ParleyApi node1Api;
	ParleyApi node2Api;

	@BeforeAll
	static void startSecondNode() {
		node2 = SecondNode.start();
	}

	@AfterAll
	static void stopSecondNode() {
		node2.close();
	}

	@BeforeEach
	void apis() {
		node1Api = new ParleyApi(port).awaitMessagePipeline();
		node2Api = node2.api().awaitMessagePipeline();
	}

	@Test
	void typingOnOneNodeReachesTheOtherMembersOnAnyNode() {
		User alice = node1Api.newUser("alice");
		User bob = node1Api.newUser("bob");
		User carol = node1Api.newUser("carol");
		User dave = node1Api.newUser("dave"); // not a member
		UUID group = node1Api.createGroup(alice, "Typing", bob, carol);

		try (ChatClient aliceOn1 = node1Api.connect(alice); ChatClient carolOn2 = node2Api.connect(carol);
				ChatClient bobOn2 = node2Api.connect(bob); ChatClient daveOn1 = node1Api.connect(dave)) {
			bobOn2.typing("start", group);
			assertTyping(aliceOn1.expect("typing"), bob, "start");
			assertTyping(carolOn2.expect("typing"), bob, "start");
			bobOn2.typing("renew", group); // within the interval: dropped

			bobOn2.typing("stop", group);
			JsonNode stop = aliceOn1.expect("typing");
			assertTyping(stop, bob, "stop");
			assertThat(stop.get("reason").asString()).isEqualTo("stopped");
			assertTyping(carolOn2.expect("typing"), bob, "stop");

			daveOn1.typing("start", group);
			assertThat(daveOn1.expect("error").get("code").asString()).isEqualTo("not_a_member");
			daveOn1.typing("start", group); // every non-member frame is answered, throttle or not
			assertThat(daveOn1.expect("error").get("code").asString()).isEqualTo("not_a_member");

			// Nobody heard the dropped renewal, the typist's own echo or the non-member.
			await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
				.until(() -> aliceOn1.pending() == 0 && carolOn2.pending() == 0 && bobOn2.pending() == 0 && daveOn1.pending() == 0);
		}
	}

	@Test
	void aSentMessageOrADisconnectEndsTyping() {
		User alice = node1Api.newUser("alice");
		User bob = node1Api.newUser("bob");
		UUID first = node1Api.createGroup(alice, "Sent", bob);
		UUID second = node1Api.createGroup(alice, "Gone", bob);

		try (ChatClient aliceOn1 = node1Api.connect(alice)) {
			ChatClient bobOn2 = node2Api.connect(bob);
			bobOn2.typing("start", first);
			assertTyping(aliceOn1.expect("typing"), bob, "start");
			bobOn2.send(first, "done typing");
			Set<String> reasons = new HashSet<>();
			for (int i = 0; i < 2; i++) { // the stop and the message travel different paths: either may come first
				JsonNode frame = aliceOn1.next();
				reasons.add(frame.get("type").asString() + ":" + (frame.has("reason") ? frame.get("reason").asString() : ""));
			}
			assertThat(reasons).containsExactlyInAnyOrder("typing:sent", "message:");

			bobOn2.typing("start", second);
			assertTyping(aliceOn1.expect("typing"), bob, "start");
			bobOn2.close();
			JsonNode stop = aliceOn1.expect("typing");
			assertTyping(stop, bob, "stop");
			assertThat(stop.get("reason").asString()).isEqualTo("disconnected");
		}
	}
}
