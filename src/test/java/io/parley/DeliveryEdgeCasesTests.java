package io.parley;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.ChatClient;
import io.parley.support.AliceAndBobInAGroup;
import io.parley.support.ParleyApi;
import io.parley.support.ParleyApi.User;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

/**
 * Edge cases a QA pass found in resume, fetch and edits: each one now keeps the promise that an
 * ack means "stored", that a resume says honestly what it recovered, and that a later joiner learns
 * nothing of what was said before they joined.
 */
@ParleyIntegrationTest
class DeliveryEdgeCasesTests extends AliceAndBobInAGroup {



	@BeforeEach
	void aliceAndBobWithThreeMessages() {
		try (ChatClient aliceClient = api.connect(alice)) {
			for (int i = 1; i <= 3; i++) {
				aliceClient.send(group, "m" + i, "message " + i);
				aliceClient.expect("ack");
				aliceClient.expect("message");
			}
		}
	}

	@Test
	void outOfRangeNumbersInAFetchAreRefusedAndTheConnectionGoesOn() {
		try (ChatClient bobClient = api.connect(bob)) {
			bobClient.sendRaw("{\"type\":\"fetch\",\"conversationId\":\"" + group + "\",\"afterSeq\":0,\"limit\":4294967296}");
			assertThat(bobClient.expect("error").get("code").asString()).isEqualTo("validation_failed");
			bobClient.sendRaw("{\"type\":\"fetch\",\"conversationId\":\"" + group + "\",\"afterSeq\":18446744073709551616}");
			assertThat(bobClient.expect("error").get("code").asString()).isEqualTo("validation_failed");
			bobClient.sendRaw("{\"type\":\"ping\",\"ref\":\"still-here\"}");
			assertThat(bobClient.expect("pong").get("ref").asString()).isEqualTo("still-here");
		}
	}

	@Test
	void aClientMessageIdReusedForAnotherOperationIsRefusedNeverAcked() {
		try (ChatClient aliceClient = api.connect(alice)) {
			aliceClient.sendFrame(Map.of("type", "edit", "conversationId", group.toString(), "clientMessageId", "m1", "seq", 1,
					"expectedVersion", 1, "body", "edited under a reused id"));
			JsonNode refused = aliceClient.expect("error");
			assertThat(refused.get("code").asString()).isEqualTo("client_message_id_reused");
			assertThat(refused.get("ref").asString()).isEqualTo("m1");
		}
		JsonNode first = api.history(alice, group, null).get("messages").get(2);
		assertThat(first.get("body").asString()).isEqualTo("message 1");
		assertThat(first.get("version").asInt()).isEqualTo(1);
	}

	@Test
	void aResumeFrameForAConversationAlreadyStreamingSaysWhatTheConnectionLacks() {
		try (ChatClient bobClient = api.connect(bob); ChatClient aliceClient = api.connect(alice)) {
			aliceClient.send(group, "four");
			assertThat(bobClient.expect("message").get("seq").asLong()).isEqualTo(4); // streaming from 4
			bobClient.sendFrame(Map.of("type", "resume", "conversations", List.of(Map.of("conversationId", group.toString(), "afterSeq", 1))));
			JsonNode resumed = bobClient.expect("resumed");
			assertThat(resumed.get("recovered").asBoolean()).isFalse();
			assertThat(resumed.get("skippedTo").asLong()).isEqualTo(3); // fetch (1, 3] to fill in
		}
	}

	@Test
	void aCursorBeyondTheHeadCountsAsTheHeadAndLaterEntriesStillArrive() {
		try (ChatClient bobClient = api.connect(bob, group, 50); ChatClient aliceClient = api.connect(alice)) {
			assertThat(bobClient.expect("resumed").get("lastSeq").asLong()).isEqualTo(3);
			aliceClient.send(group, "four");
			assertThat(bobClient.expect("message").get("seq").asLong()).isEqualTo(4);
		}
	}

	@Test
	void theHandshakeTakesHundredsOfCursorsAndOneConversationListedTwiceIsResumedOnce() {
		String others = IntStream.range(0, 300).mapToObj(i -> UUID.randomUUID() + ":0").collect(Collectors.joining(","));
		try (ChatClient bobClient = ChatClient.connect(port, bob.token(), group + ":2," + group + ":1," + others)) {
			List<String> types = new ArrayList<>();
			JsonNode frame;
			while (!(frame = bobClient.next()).get("type").asString().equals("resumed")) {
				types.add(frame.get("type").asString() + ":" + (frame.has("seq") ? frame.get("seq").asLong() : frame.get("code").asString()));
			}
			assertThat(frame.get("conversationId").asString()).isEqualTo(group.toString());
			assertThat(frame.get("lastSeq").asLong()).isEqualTo(3);
			assertThat(types).filteredOn(t -> t.startsWith("message")).containsExactly("message:2", "message:3");
		}
	}

	@Test
	void aLaterJoinerNeverLearnsTheContentOfAnEditToAMessageFromBeforeTheyJoined() {
		User carol = api.newUser("carol");
		api.addMember(alice, group, carol); // joins at 3
		try (ChatClient carolClient = api.connect(carol, group, 0); ChatClient aliceClient = api.connect(alice)) {
			assertThat(carolClient.expect("resumed").get("lastSeq").asLong()).isEqualTo(3); // nothing from before her join
			aliceClient.sendFrame(Map.of("type", "edit", "conversationId", group.toString(), "clientMessageId", "e1", "seq", 1,
					"expectedVersion", 1, "body", "secret plan v2"));
			assertThat(aliceClient.expect("ack").get("seq").asLong()).isEqualTo(4);
			aliceClient.send(group, "hi Carol");
			// Carol's connection fills the gap (seq 4, the edit) from history, without its content.
			JsonNode edit = carolClient.expect("message");
			assertThat(edit.get("seq").asLong()).isEqualTo(4);
			assertThat(edit.get("kind").asString()).isEqualTo("edit");
			assertThat(edit.has("body")).isFalse();
			assertThat(carolClient.expect("message").get("body").asString()).isEqualTo("hi Carol");
		}
		JsonNode carolsHistory = api.history(carol, group, null);
		assertThat(ParleyApi.seqs(carolsHistory)).containsExactly(5L, 4L);
		assertThat(carolsHistory.get("messages").get(1).has("body")).isFalse();
	}
}
