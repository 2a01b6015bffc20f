package io.parley;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.ChatClient;
import io.parley.support.ParleyApi;
import io.parley.support.ParleyApi.User;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import tools.jackson.databind.JsonNode;

/**
 * The whole path, end to end, on real engines: two users chat live over WebSocket (gateway → Kafka
 * → sequencer → Cassandra → Kafka → fan-out), then read the conversation back from history.
 */
@ParleyIntegrationTest
class ChatEndToEndTests {

	@LocalServerPort
	int port;

	ParleyApi api;

	@BeforeEach
	void connectToParley() {
		api = new ParleyApi(port).awaitMessagePipeline();
	}

	@Test
	void aliceAndBobChatLiveOnEveryDeviceAndReadItBackFromHistory() {
		User alice = api.newUser("alice");
		User bob = api.newUser("bob");
		UUID group = api.createGroup(alice, "Weekend plans", bob);

		try (ChatClient alicePhone = api.connect(alice); ChatClient aliceLaptop = api.connect(alice);
				ChatClient bobPhone = api.connect(bob)) {

			// Alice sends: her phone is acked once the message is durable, then sees it like everybody.
			String hello = alicePhone.send(group, "Hi Bob! Hiking on Saturday? 🥾");
			JsonNode ack = alicePhone.expect("ack");
			assertThat(ack.get("clientMessageId").asString()).isEqualTo(hello);
			assertThat(ack.get("seq").asLong()).isEqualTo(1);
			String helloId = ack.get("messageId").asString();

			for (ChatClient device : new ChatClient[] { alicePhone, aliceLaptop, bobPhone }) {
				JsonNode message = device.expect("message");
				assertThat(message.get("messageId").asString()).isEqualTo(helloId);
				assertThat(message.get("seq").asLong()).isEqualTo(1);
				assertThat(message.get("senderId").asString()).isEqualTo(alice.id().toString());
				assertThat(message.get("body").asString()).isEqualTo("Hi Bob! Hiking on Saturday? 🥾");
			}

			// Bob answers: the next number in the conversation.
			bobPhone.send(group, "Yes! 9am at the trailhead");
			assertThat(bobPhone.expect("ack").get("seq").asLong()).isEqualTo(2);
			for (ChatClient device : new ChatClient[] { alicePhone, aliceLaptop, bobPhone }) {
				JsonNode message = device.expect("message");
				assertThat(message.get("seq").asLong()).isEqualTo(2);
				assertThat(message.get("body").asString()).isEqualTo("Yes! 9am at the trailhead");
			}
		}

		// History, from Cassandra, newest first, for either member.
		JsonNode page = api.history(bob, group, null);
		assertThat(ParleyApi.seqs(page)).containsExactly(2L, 1L);
		assertThat(page.get("messages").get(1).get("body").asString()).isEqualTo("Hi Bob! Hiking on Saturday? 🥾");
		assertThat(page.get("messages").get(1).get("senderId").asString()).isEqualTo(alice.id().toString());
		assertThat(page.get("hasMore").asBoolean()).isFalse();
	}

	@Test
	void aRetriedSendIsAcknowledgedWithTheOriginalAndDeliveredOnce() {
		User alice = api.newUser("alice");
		User bob = api.newUser("bob");
		UUID group = api.createGroup(alice, "Retries", bob);

		try (ChatClient aliceClient = api.connect(alice); ChatClient bobClient = api.connect(bob)) {
			aliceClient.send(group, "retry-1", "Are you there?");
			JsonNode first = aliceClient.expect("ack");
			aliceClient.expect("message");
			bobClient.expect("message");

			// The ack was "lost": Alice resends with the same client message id.
			aliceClient.send(group, "retry-1", "Are you there?");
			JsonNode again = aliceClient.expect("ack");
			assertThat(again.get("messageId").asString()).isEqualTo(first.get("messageId").asString());
			assertThat(again.get("seq").asLong()).isEqualTo(first.get("seq").asLong());

			// Nobody receives it twice: Bob's next frame is the next real message, seq 2.
			aliceClient.send(group, "Hello?");
			assertThat(aliceClient.expect("ack").get("seq").asLong()).isEqualTo(2);
			assertThat(bobClient.expect("message").get("body").asString()).isEqualTo("Hello?");
		}
		assertThat(ParleyApi.seqs(api.history(alice, group, null))).containsExactly(2L, 1L);
	}

	@Test
	void aNonMemberIsRefusedAndNobodyReceivesAnything() {
		User alice = api.newUser("alice");
		User bob = api.newUser("bob");
		User mallory = api.newUser("mallory");
		UUID group = api.createGroup(alice, "Private", bob);

		try (ChatClient bobClient = api.connect(bob); ChatClient malloryClient = api.connect(mallory);
				ChatClient aliceClient = api.connect(alice)) {
			String sneaky = malloryClient.send(group, "let me in");
			JsonNode error = malloryClient.expect("error");
			assertThat(error.get("code").asString()).isEqualTo("not_a_member");
			assertThat(error.get("ref").asString()).isEqualTo(sneaky);

			// Bob's next frame is Alice's message with seq 1: Mallory's never took a number or reached him.
			aliceClient.send(group, "Only us here");
			JsonNode message = bobClient.expect("message");
			assertThat(message.get("body").asString()).isEqualTo("Only us here");
			assertThat(message.get("seq").asLong()).isEqualTo(1);
		}
		assertThat(api.historyStatus(mallory, group).value()).isEqualTo(404);
	}

	@Test
	void bobIsToldLiveWhenAddedAndRemovedAndAfterRemovalReceivesNothingMoreFromTheGroup() {
		User alice = api.newUser("alice");
		User bob = api.newUser("bob");
		UUID group = api.createGroup(alice, "Surprise party");
		UUID elsewhere = api.createGroup(alice, "Elsewhere", bob);

		try (ChatClient aliceClient = api.connect(alice); ChatClient bobClient = api.connect(bob)) {
			api.http().post().uri("/api/conversations/" + group + "/members").headers(h -> h.setBearerAuth(alice.token()))
				.bodyValue(java.util.Map.of("userId", bob.id())).exchange().expectStatus().isOk();
			JsonNode added = bobClient.expect("conversation.added");
			assertThat(added.get("conversationId").asString()).isEqualTo(group.toString());
			assertThat(added.get("by").asString()).isEqualTo(alice.id().toString());

			aliceClient.send(group, "Bob, you are in");
			aliceClient.expect("ack");
			aliceClient.expect("message");
			assertThat(bobClient.expect("message").get("body").asString()).isEqualTo("Bob, you are in");

			api.http().delete().uri("/api/conversations/" + group + "/members/" + bob.id())
				.headers(h -> h.setBearerAuth(alice.token())).exchange().expectStatus().isNoContent();
			assertThat(bobClient.expect("conversation.removed").get("conversationId").asString()).isEqualTo(group.toString());

			// After removal the group's messages stop: Bob's next frame is from the other conversation.
			aliceClient.send(group, "the party is for Bob, don't tell him");
			assertThat(aliceClient.expect("ack").get("seq").asLong()).isEqualTo(2);
			aliceClient.expect("message");
			aliceClient.send(elsewhere, "lunch?");
			JsonNode next = bobClient.expect("message");
			assertThat(next.get("conversationId").asString()).isEqualTo(elsewhere.toString());
			assertThat(next.get("body").asString()).isEqualTo("lunch?");
		}
		assertThat(api.historyStatus(bob, group).value()).isEqualTo(404);
	}
}
