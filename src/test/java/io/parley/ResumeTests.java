package io.parley;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.LongStream;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.ChatClient;
import io.parley.support.AliceAndBobInAGroup;
import io.parley.support.ParleyApi;
import io.parley.support.ParleyApi.User;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

/**
 * Bob's phone goes through a tunnel. When it reconnects it says where it left off and gets exactly
 * what it missed, in order, before anything live; a catch-up too large to send says so plainly; a
 * client can also fetch any range it wants.
 */
@ParleyIntegrationTest
class ResumeTests extends AliceAndBobInAGroup {



	@Test
	void aReconnectingClientGetsExactlyWhatItMissedThenLiveMessages() {
		try (ChatClient aliceClient = api.connect(alice)) {
			ChatClient bobClient = api.connect(bob);
			sendAndAwaitAck(aliceClient, "before the tunnel");
			assertThat(bobClient.expect("message").get("seq").asLong()).isEqualTo(1);
			bobClient.drop(); // no close frame: the network is just gone

			for (int i = 2; i <= 6; i++) {
				sendAndAwaitAck(aliceClient, "in the tunnel " + i);
			}

			try (ChatClient back = api.connect(bob, group, 1)) {
				List<Long> caughtUp = new ArrayList<>();
				for (int i = 0; i < 5; i++) {
					JsonNode message = back.expect("message");
					caughtUp.add(message.get("seq").asLong());
				}
				assertThat(caughtUp).containsExactly(2L, 3L, 4L, 5L, 6L);
				JsonNode resumed = back.expect("resumed");
				assertThat(resumed.get("recovered").asBoolean()).isTrue();
				assertThat(resumed.get("lastSeq").asLong()).isEqualTo(6);

				sendAndAwaitAck(aliceClient, "out of the tunnel");
				assertThat(back.expect("message").get("seq").asLong()).isEqualTo(7);
			}
		}
	}

	@Test
	void messagesArrivingDuringTheCatchUpAreNeitherLostNorDoubled() {
		try (ChatClient aliceClient = api.connect(alice)) {
			for (int i = 1; i <= 40; i++) {
				aliceClient.send(group, "backlog " + i);
			}
			awaitAcks(aliceClient, 40);
			// Bob reconnects while Alice keeps sending: live entries race the catch-up.
			ChatClient back = api.connect(bob, group, 0);
			for (int i = 41; i <= 60; i++) {
				aliceClient.send(group, "live " + i);
			}
			List<Long> seqs = new ArrayList<>();
			while (seqs.size() < 60) {
				JsonNode frame = back.next();
				if (frame.get("type").asString().equals("message")) {
					seqs.add(frame.get("seq").asLong());
				}
			}
			assertThat(seqs).containsExactlyElementsOf(LongStream.rangeClosed(1, 60).boxed().toList());
			back.close();
		}
	}

	@Test
	void aCatchUpLargerThanTheLimitSaysItDidNotRecoverEverything() {
		// The test profile caps a catch-up at 100 entries (parley.realtime.max-catch-up).
		try (ChatClient aliceClient = api.connect(alice)) {
			for (int i = 1; i <= 130; i++) {
				aliceClient.send(group, "flood " + i);
			}
			awaitAcks(aliceClient, 130);
		}
		try (ChatClient back = api.connect(bob, group, 5)) {
			List<Long> seqs = new ArrayList<>();
			JsonNode frame;
			while (!(frame = back.next()).get("type").asString().equals("resumed")) {
				seqs.add(frame.get("seq").asLong());
			}
			assertThat(frame.get("recovered").asBoolean()).isFalse();
			assertThat(frame.get("skippedTo").asLong()).isEqualTo(30);
			assertThat(seqs).containsExactlyElementsOf(LongStream.rangeClosed(31, 130).boxed().toList());

			// The skipped part is there for the asking: fetch (5, 30].
			back.sendFrame(Map.of("type", "fetch", "conversationId", group.toString(), "afterSeq", 5, "limit", 25, "ref", "f1"));
			JsonNode range = back.expect("range");
			assertThat(range.get("ref").asString()).isEqualTo("f1");
			assertThat(range.get("messages").valueStream().map(m -> m.get("seq").asLong()).toList())
				.containsExactlyElementsOf(LongStream.rangeClosed(6, 30).boxed().toList());
			assertThat(range.get("hasMore").asBoolean()).isTrue();
		}
	}

	@Test
	void resumingAConversationYouAreNotInIsRefused() {
		User mallory = api.newUser("mallory");
		try (ChatClient client = api.connect(mallory, group, 0)) {
			JsonNode error = client.expect("error");
			assertThat(error.get("code").asString()).isEqualTo("not_a_member");
		}
	}

	/** Sends to the group and waits for the ack and for the sender's own copy. */
	private void sendAndAwaitAck(ChatClient client, String body) {
		client.send(group, body);
		client.expect("ack");
		client.expect("message");
	}

	private static void awaitAcks(ChatClient client, int count) {
		int acks = 0;
		while (acks < count) {
			if (client.next().get("type").asString().equals("ack")) {
				acks++;
			}
		}
	}
}
