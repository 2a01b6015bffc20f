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
 * Carol's client misbehaves. Every bad frame gets an error frame with a stable code, her connection
 * stays usable, and Alice and Bob chatting in the same group notice nothing. Only a frame above the
 * transport limit ends her connection (1009), and even then nobody else is affected.
 */
@ParleyIntegrationTest
class BadFramesTests {

	@LocalServerPort
	int port;

	ParleyApi api;
	User alice;
	User bob;
	User carol;
	UUID group;

	@BeforeEach
	void threeMembers() {
		api = new ParleyApi(port).awaitMessagePipeline();
		alice = api.newUser("alice");
		bob = api.newUser("bob");
		carol = api.newUser("carol");
		group = api.createGroup(alice, "Robustness", bob, carol);
	}

	@Test
	void everyBadFrameGetsItsErrorCodeAndTheConversationGoesOn() {
		try (ChatClient aliceClient = api.connect(alice); ChatClient bobClient = api.connect(bob);
				ChatClient carolClient = api.connect(carol)) {
			String tooLongBody = "😀".repeat(4001); // 4001 code points, 8002 UTF-16 units, 16004 bytes
			String nested = "[".repeat(10_000) + "]".repeat(10_000);
			// Nine levels: a frame that is valid JSON but deeper than parley.realtime.max-json-depth (8).
			String deepButValid = "{\"type\":\"ping\",\"x\":" + "[".repeat(8) + "]".repeat(8) + "}";
			StringBuilder cursors = new StringBuilder();
			for (int i = 0; i < 501; i++) {
				cursors.append(i == 0 ? "" : ",").append("{\"conversationId\":\"").append(UUID.randomUUID()).append("\",\"afterSeq\":0}");
			}
			String tooManyCursors = "{\"type\":\"resume\",\"conversations\":[" + cursors + "]}";
			String[][] cases = {
					{ "]", "malformed_frame" },
					{ "null", "malformed_frame" },
					{ "[1,2]", "malformed_frame" },
					{ "{}", "missing_type" },
					{ "{\"type\":42}", "missing_type" },
					{ "{\"type\":\"teleport\"}", "unknown_type" },
					{ nested, "nesting_too_deep" },
					{ deepButValid, "nesting_too_deep" },
					{ tooManyCursors, "too_many_conversations" },
					{ "{\"type\":\"auth\"}", "validation_failed" },
					{ "{\"type\":\"send\",\"conversationId\":\"" + group + "\",\"body\":\"no id\"}", "validation_failed" },
					{ "{\"type\":\"send\",\"conversationId\":\"not-a-uuid\",\"clientMessageId\":\"x\",\"body\":\"hi\"}", "validation_failed" },
					{ "{\"type\":\"send\",\"conversationId\":\"" + group + "\",\"clientMessageId\":\"x\",\"body\":\"\"}", "validation_failed" },
					{ "{\"type\":\"send\",\"conversationId\":\"" + group + "\",\"clientMessageId\":\"x\",\"body\":\"\\ud83d\"}", "validation_failed" },
					{ "{\"type\":\"send\",\"conversationId\":\"" + group + "\",\"clientMessageId\":\"x\",\"body\":\"a\\u0000b\"}", "validation_failed" },
					{ "{\"type\":\"send\",\"conversationId\":\"" + group + "\",\"clientMessageId\":\"x\",\"body\":\"" + tooLongBody + "\"}", "message_too_long" },
					{ "{\"type\":\"send\",\"conversationId\":\"" + group + "\",\"clientMessageId\":\"x\",\"body\":\"" + "a".repeat(70_000) + "\"}", "frame_too_large" } };

			long expectedSeq = 0;
			for (String[] badCase : cases) {
				carolClient.sendRaw(badCase[0]);
				JsonNode error = carolClient.expect("error");
				assertThat(error.get("code").asString()).as("answer to %.60s", badCase[0]).isEqualTo(badCase[1]);
				assertThat(error.get("message").asString()).isNotBlank();

				// After each bad frame, Alice and Bob still chat, and Carol still receives.
				aliceClient.send(group, "still here #" + (++expectedSeq));
				assertThat(aliceClient.expect("ack").get("seq").asLong()).isEqualTo(expectedSeq);
				for (ChatClient client : new ChatClient[] { aliceClient, bobClient, carolClient }) {
					assertThat(client.expect("message").get("seq").asLong()).isEqualTo(expectedSeq);
				}
			}

			carolClient.sendBinary(new byte[] { 1, 2, 3 });
			assertThat(carolClient.expect("error").get("code").asString()).isEqualTo("malformed_frame");

			// The limit counts code points, so exactly 4000 emoji are accepted.
			carolClient.send(group, "😀".repeat(4000));
			assertThat(carolClient.expect("ack").get("seq").asLong()).isEqualTo(expectedSeq + 1);
			assertThat(bobClient.expect("message").get("body").asString()).hasSize(8000);
		}
	}

	@Test
	void aFrameAboveTheTransportLimitClosesOnlyThatConnection() {
		try (ChatClient aliceClient = api.connect(alice); ChatClient bobClient = api.connect(bob);
				ChatClient carolClient = api.connect(carol)) {
			carolClient.sendRaw("{\"type\":\"send\",\"body\":\"" + "a".repeat(2 * 1024 * 1024) + "\"}");
			// The server closes with 1009. Carol is still writing her 2 MB when it does, so on a busy
			// machine her side may see the TCP reset before the close frame (1006): closed either way.
			assertThat(carolClient.awaitClose().getCode()).isIn(1009, 1006);

			aliceClient.send(group, "carol left?");
			assertThat(aliceClient.expect("ack").get("seq").asLong()).isEqualTo(1);
			assertThat(bobClient.expect("message").get("body").asString()).isEqualTo("carol left?");
		}
	}

	@Test
	void pingIsAnsweredWithPongCarryingTheSameRef() {
		try (ChatClient carolClient = api.connect(carol)) {
			carolClient.sendRaw("{\"type\":\"ping\",\"ref\":\"p-1\"}");
			assertThat(carolClient.expect("pong").get("ref").asString()).isEqualTo("p-1");
		}
	}
}
