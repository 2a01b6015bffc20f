package io.parley;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.history.HistorySettings;
import io.parley.history.MessageSubmission;
import io.parley.support.ChatClient;
import io.parley.support.ParleyApi;
import io.parley.support.ParleyApi.User;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.kafka.core.KafkaTemplate;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Membership and the log: a member added later joins at a point in the log and sees what follows
 * it, live, on resume and in history; a removed member gets nothing more, and a send that was already
 * on its way when they were removed is refused by the sequencer, not stored.
 */
@ParleyIntegrationTest
class MembershipTests {

	@LocalServerPort
	int port;

	@Autowired
	KafkaTemplate<String, String> kafka;

	@Autowired
	JsonMapper json;

	@Autowired
	HistorySettings settings;

	ParleyApi api;
	User alice;
	User bob;
	UUID group;

	@BeforeEach
	void aliceAndBobTalkAlready() {
		api = new ParleyApi(port).awaitMessagePipeline();
		alice = api.newUser("alice");
		bob = api.newUser("bob");
		group = api.createGroup(alice, "Before Carol", bob);
		try (ChatClient aliceClient = api.connect(alice)) {
			for (int i = 1; i <= 3; i++) {
				aliceClient.send(group, "private to alice and bob " + i);
				aliceClient.expect("ack");
				aliceClient.expect("message");
			}
		}
	}

	@Test
	void aMemberAddedLaterSeesTheLogFromTheirJoinOn() {
		User carol = api.newUser("carol");
		api.addMember(alice, group, carol);

		JsonNode history = api.history(carol, group, null);
		assertThat(history.get("messages").size()).isZero();
		assertThat(history.get("hasMore").asBoolean()).isFalse();

		try (ChatClient carolClient = api.connect(carol, group, 0); ChatClient aliceClient = api.connect(alice)) {
			// Resuming from 0 still starts at her join point (3): nothing earlier is sent.
			JsonNode resumed = carolClient.expect("resumed");
			assertThat(resumed.get("lastSeq").asLong()).isEqualTo(3);
			aliceClient.send(group, "welcome Carol");
			aliceClient.expect("ack");
			JsonNode welcome = carolClient.expect("message");
			assertThat(welcome.get("seq").asLong()).isEqualTo(4);
			assertThat(welcome.get("body").asString()).isEqualTo("welcome Carol");
		}
		assertThat(ParleyApi.seqs(api.history(carol, group, null))).containsExactly(4L);
		assertThat(ParleyApi.seqs(api.history(bob, group, null))).containsExactly(4L, 3L, 2L, 1L);
	}

	@Test
	void aSendAlreadyOnItsWayWhenTheSenderWasRemovedIsRefusedByTheSequencer() {
		try (ChatClient bobClient = api.connect(bob); ChatClient aliceClient = api.connect(alice)) {
			api.removeMember(alice, group, bob);
			bobClient.expect("conversation.removed");

			// Bob's send passed the gateway just before the removal and reaches the sequencer after it.
			MessageSubmission late = MessageSubmission.message(group, bob.id(), "late-1", "sneaking in", bobClient.sessionId());
			kafka.send(settings.inboundTopic(), group.toString(), json.writeValueAsString(late));

			JsonNode refused = bobClient.expect("error");
			assertThat(refused.get("code").asString()).isEqualTo("not_a_member");
			assertThat(refused.get("ref").asString()).isEqualTo("late-1");

			// It took no number: Alice's next message is 4, and nobody ever received Bob's.
			aliceClient.send(group, "just us");
			assertThat(aliceClient.expect("ack").get("seq").asLong()).isEqualTo(4);
			assertThat(aliceClient.expect("message").get("body").asString()).isEqualTo("just us");
			assertThat(bobClient.pending()).isZero();
		}
		assertThat(ParleyApi.seqs(api.history(alice, group, null))).containsExactly(4L, 3L, 2L, 1L);
		assertThat(api.historyStatus(bob, group).value()).isEqualTo(404);
	}

	@Test
	void aRemovedMemberCannotResumeOrFetch() {
		api.removeMember(alice, group, bob);
		try (ChatClient bobClient = api.connect(bob, group, 0)) {
			assertThat(bobClient.expect("error").get("code").asString()).isEqualTo("not_a_member");
			bobClient.sendFrame(java.util.Map.of("type", "fetch", "conversationId", group.toString(), "afterSeq", 0, "ref", "r"));
			assertThat(bobClient.expect("error").get("code").asString()).isEqualTo("not_a_member");
		}
	}
}
