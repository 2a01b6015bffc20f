package io.parley;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
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
 * Bob reads on his phone and his desktop's badge clears; Alice sees her ticks; deleted messages,
 * edits and Alice's own messages never count as unread (fault B21); a late, older receipt never moves
 * a pointer back.
 */
@ParleyIntegrationTest
class ReceiptsTests {

	@LocalServerPort
	int port;

	ParleyApi api;
	User alice;
	User bob;

	@BeforeEach
	void users() {
		api = new ParleyApi(port).awaitMessagePipeline();
		alice = api.newUser("alice");
		bob = api.newUser("bob");
	}

	@Test
	void deletedMessagesEditsAndOwnMessagesDoNotCountAsUnread() {
		UUID group = api.createGroup(alice, "B21", bob);
		try (ChatClient alicePhone = api.connect(alice)) {
			long m1 = sendAndAck(alicePhone, group, "M1");
			long m2 = sendAndAck(alicePhone, group, "M2 @bob");
			long m3 = sendAndAck(alicePhone, group, "M3");
			alicePhone.sendFrame(Map.of("type", "delete", "conversationId", group.toString(), "clientMessageId", "d3", "seq", m3));
			alicePhone.expect("ack");
			alicePhone.expect("message");
			alicePhone.sendFrame(Map.of("type", "edit", "conversationId", group.toString(), "clientMessageId", "e2", "seq", m2,
					"expectedVersion", 1, "body", "M2"));
			alicePhone.expect("ack");
			alicePhone.expect("message");
			assertThat(m1).isEqualTo(1);
		}
		// Bob comes online: M1 and M2; not the deleted M3, not the edit or delete entries.
		assertThat(api.unreadIn(bob, group)).isEqualTo(2);
		JsonNode unread = api.unread(bob);
		assertThat(unread.get("total").asLong()).isEqualTo(2);
		// Alice's own messages never count for her, on any device (sending advances her read pointer).
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			assertThat(api.unreadIn(alice, group)).isZero();
			assertThat(api.receipts(alice, group, 5).get("readBy").asInt()).isZero();
		});
	}

	@Test
	void sendingReadsEverythingBeforeItOnEveryDevice() {
		UUID group = api.createGroup(alice, "Replies", bob);
		try (ChatClient bobClient = api.connect(bob)) {
			sendAndAck(bobClient, group, "question 1");
			sendAndAck(bobClient, group, "question 2");
		}
		assertThat(api.unreadIn(alice, group)).isEqualTo(2);
		try (ChatClient alicePhone = api.connect(alice); ChatClient aliceDesktop = api.connect(alice)) {
			long reply = sendAndAck(alicePhone, group, "answer");
			JsonNode cleared = aliceDesktop.expect("unread.updated");
			assertThat(cleared.get("readSeq").asLong()).isEqualTo(reply);
			assertThat(cleared.get("unread").asLong()).isZero();
		}
		// The desktop reconnects and asks: zero.
		assertThat(api.unreadIn(alice, group)).isZero();
	}

	@Test
	void readingOnOneDeviceClearsTheCountOnTheOthersLiveAndAfterReconnect() {
		UUID group = api.createGroup(alice, "Badges", bob);
		ChatClient bobPhone = api.connect(bob);
		ChatClient bobDesktop = api.connect(bob);
		try (ChatClient aliceClient = api.connect(alice)) {
			sendAndAck(aliceClient, group, "one");
			long two = sendAndAck(aliceClient, group, "two");
			bobPhone.expect("message");
			bobPhone.expect("message");
			bobDesktop.expect("message");
			bobDesktop.expect("message");
			assertThat(api.unreadIn(bob, group)).isEqualTo(2);

			bobPhone.sendFrame(Map.of("type", "receipt.read", "conversationId", group.toString(), "seq", 1));
			JsonNode half = bobDesktop.expect("unread.updated");
			assertThat(half.get("readSeq").asLong()).isEqualTo(1);
			assertThat(half.get("unread").asLong()).isEqualTo(1);

			bobPhone.sendFrame(Map.of("type", "receipt.read", "conversationId", group.toString(), "seq", two));
			JsonNode none = bobDesktop.expect("unread.updated");
			assertThat(none.get("readSeq").asLong()).isEqualTo(two);
			assertThat(none.get("unread").asLong()).isZero();
			// Groups: no live ticks to Alice, but "read by 1 of 1" on request, with the list.
			JsonNode receipts = api.receipts(alice, group, two);
			assertThat(receipts.get("members").asInt()).isEqualTo(1);
			assertThat(receipts.get("readBy").asInt()).isEqualTo(1);
			assertThat(receipts.get("pointers").get(0).get("userId").asString()).isEqualTo(bob.id().toString());
		}
		bobDesktop.close();
		bobPhone.close();
		assertThat(api.unreadIn(bob, group)).isZero();
	}

	@Test
	void inADirectConversationTheSenderSeesDeliveredAndReadTicks() {
		UUID direct = api.direct(alice, bob);
		try (ChatClient aliceClient = api.connect(alice); ChatClient bobClient = api.connect(bob)) {
			long seq = sendAndAck(aliceClient, direct, "hi");
			bobClient.expect("message");
			bobClient.sendFrame(Map.of("type", "receipt.delivered", "conversationId", direct.toString(), "seq", seq));
			JsonNode delivered = nextTick(aliceClient, bob);
			assertThat(delivered.get("deliveredSeq").asLong()).isEqualTo(seq);
			assertThat(delivered.get("readSeq").asLong()).isZero();
			bobClient.sendFrame(Map.of("type", "receipt.read", "conversationId", direct.toString(), "seq", seq));
			JsonNode read = nextTick(aliceClient, bob);
			assertThat(read.get("readSeq").asLong()).isEqualTo(seq);
		}
	}

	@Test
	void anOlderReceiptArrivingLastNeverMovesThePointerBack() {
		UUID group = api.createGroup(alice, "Forward only", bob);
		try (ChatClient aliceClient = api.connect(alice)) {
			for (int i = 0; i < 5; i++) {
				sendAndAck(aliceClient, group, "m" + i);
			}
		}
		assertThat(api.markRead(bob, group, 4).get("readSeq").asLong()).isEqualTo(4);
		JsonNode late = api.markRead(bob, group, 2); // the other device's older value, arriving last
		assertThat(late.get("readSeq").asLong()).isEqualTo(4);
		assertThat(api.unreadIn(bob, group)).isEqualTo(1);
		// Beyond the head is clamped: nobody can mark unsent messages read.
		assertThat(api.markRead(bob, group, 999).get("readSeq").asLong()).isEqualTo(5);
		// A non-member cannot move anything.
		User eve = api.newUser("eve");
		api.http().post().uri("/api/conversations/" + group + "/read").headers(h -> h.setBearerAuth(eve.token()))
			.bodyValue(Map.of("seq", 1)).exchange().expectStatus().isNotFound();
	}

	private JsonNode nextTick(ChatClient client, User of) {
		JsonNode tick;
		do {
			tick = client.expect("receipt.updated");
		}
		while (!tick.get("userId").asString().equals(of.id().toString()));
		return tick;
	}

	static long sendAndAck(ChatClient client, UUID conversation, String body) {
		client.send(conversation, body);
		JsonNode ack = client.expect("ack");
		client.expect("message"); // the sender's own entry follows its ack
		return ack.get("seq").asLong();
	}
}
