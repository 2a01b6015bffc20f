package io.parley;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
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
 * Alice fixes a typo and then thinks better of the whole message. Edits carry a version and win or
 * lose by compare-and-set; a delete leaves a tombstone; members see both live and in history, in the
 * same single order as messages.
 */
@ParleyIntegrationTest
class EditsAndDeletesTests {

	@LocalServerPort
	int port;

	ParleyApi api;
	User alice;
	User bob;
	UUID group;
	ChatClient aliceClient;
	ChatClient bobClient;

	@BeforeEach
	void aliceSendsATypo() {
		api = new ParleyApi(port).awaitMessagePipeline();
		alice = api.newUser("alice");
		bob = api.newUser("bob");
		group = api.createGroup(alice, "Typos", bob);
		aliceClient = api.connect(alice);
		bobClient = api.connect(bob);
		aliceClient.send(group, "Meet at 9 at the trialhead");
		assertThat(aliceClient.expect("ack").get("seq").asLong()).isEqualTo(1);
		aliceClient.expect("message");
		bobClient.expect("message");
	}

	@org.junit.jupiter.api.AfterEach
	void disconnect() {
		aliceClient.close();
		bobClient.close();
	}

	@Test
	void theAuthorEditsAndEveryoneSeesTheNewVersionLiveAndInHistory() {
		edit(aliceClient, "e1", 1, 1, "Meet at 9 at the trailhead");
		JsonNode ack = aliceClient.expect("ack");
		assertThat(ack.get("seq").asLong()).isEqualTo(2);
		assertThat(ack.get("version").asInt()).isEqualTo(2);

		JsonNode edit = bobClient.expect("message");
		assertThat(edit.get("kind").asString()).isEqualTo("edit");
		assertThat(edit.get("targetSeq").asLong()).isEqualTo(1);
		assertThat(edit.get("version").asInt()).isEqualTo(2);
		assertThat(edit.get("body").asString()).isEqualTo("Meet at 9 at the trailhead");

		JsonNode original = message(api.history(bob, group, null), 1);
		assertThat(original.get("body").asString()).isEqualTo("Meet at 9 at the trailhead");
		assertThat(original.get("version").asInt()).isEqualTo(2);
		assertThat(original.get("editedAt").asString()).isNotBlank();
	}

	@Test
	void twoEditsFromTheSameVersionOneWinsTheOtherGetsAConflictWithTheCurrentVersion() {
		ChatClient alicePhone = api.connect(alice);
		try {
			edit(aliceClient, "laptop-edit", 1, 1, "from the laptop");
			edit(alicePhone, "phone-edit", 1, 1, "from the phone");
			List<JsonNode> answers = List.of(firstOf(aliceClient, "ack", "error"), firstOf(alicePhone, "ack", "error"));
			assertThat(answers).extracting(a -> a.get("type").asString()).containsExactlyInAnyOrder("ack", "error");
			JsonNode conflict = answers.stream().filter(a -> a.get("type").asString().equals("error")).findFirst().orElseThrow();
			assertThat(conflict.get("code").asString()).isEqualTo("version_conflict");
			assertThat(conflict.get("currentVersion").asInt()).isEqualTo(2);

			String winner = answers.get(0).get("type").asString().equals("ack") ? "from the laptop" : "from the phone";
			assertThat(message(api.history(bob, group, null), 1).get("body").asString()).isEqualTo(winner);
			assertThat(bobClient.expect("message").get("body").asString()).isEqualTo(winner);
		}
		finally {
			alicePhone.close();
		}
	}

	@Test
	void deleteLeavesATombstoneAndADeletedMessageCannotBeEdited() {
		aliceClient.sendFrame(Map.of("type", "delete", "conversationId", group.toString(), "clientMessageId", "d1", "seq", 1));
		assertThat(aliceClient.expect("ack").get("seq").asLong()).isEqualTo(2);
		JsonNode delete = bobClient.expect("message");
		assertThat(delete.get("kind").asString()).isEqualTo("delete");
		assertThat(delete.get("targetSeq").asLong()).isEqualTo(1);

		edit(aliceClient, "e-after-delete", 1, 2, "resurrect?");
		JsonNode refused = firstOf(aliceClient, "error");
		assertThat(refused.get("code").asString()).isEqualTo("message_deleted");

		JsonNode tombstone = message(api.history(bob, group, null), 1);
		assertThat(tombstone.get("deleted").asBoolean()).isTrue();
		assertThat(tombstone.has("body")).isFalse();
		assertThat(ParleyApi.seqs(api.history(bob, group, null))).containsExactly(2L, 1L); // the refused edit took no seq
	}

	@Test
	void onlyTheAuthorChangesAMessage() {
		edit(bobClient, "bob-edit", 1, 1, "Bob was here");
		assertThat(firstOf(bobClient, "error").get("code").asString()).isEqualTo("not_author");
		bobClient.sendFrame(Map.of("type", "delete", "conversationId", group.toString(), "clientMessageId", "bob-del", "seq", 1));
		assertThat(firstOf(bobClient, "error").get("code").asString()).isEqualTo("not_author");
		edit(aliceClient, "ghost", 99, 1, "no such message");
		assertThat(firstOf(aliceClient, "error").get("code").asString()).isEqualTo("message_not_found");
		assertThat(message(api.history(alice, group, null), 1).get("version").asInt()).isEqualTo(1);
	}

	private void edit(ChatClient client, String clientMessageId, long seq, int expectedVersion, String body) {
		client.sendFrame(Map.of("type", "edit", "conversationId", group.toString(), "clientMessageId", clientMessageId,
				"seq", seq, "expectedVersion", expectedVersion, "body", body));
	}

	/** The next frame of one of the given types, skipping others (e.g. the sender's own copy of an entry). */
	private static JsonNode firstOf(ChatClient client, String... types) {
		while (true) {
			JsonNode frame = client.next();
			if (List.of(types).contains(frame.get("type").asString())) {
				return frame;
			}
		}
	}

	private static JsonNode message(JsonNode page, long seq) {
		return page.get("messages").valueStream().filter(m -> m.get("seq").asLong() == seq).findFirst().orElseThrow();
	}
}
