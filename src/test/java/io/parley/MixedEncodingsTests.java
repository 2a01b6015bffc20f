package io.parley;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.realtime.proto.ClientFrame;
import io.parley.support.AliceAndBobInAGroup;
import io.parley.support.ChatClient;
import io.parley.support.ChatClient.Encoding;
import io.parley.support.ProtobufFrames;

import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import tools.jackson.databind.JsonNode;

/**
 * Alice's browser speaks JSON; Bob's phone asked for Protobuf at the handshake
 * ({@code Sec-WebSocket-Protocol: parley.v1.proto}) and gets binary frames only. They chat, edit,
 * delete, type, watch each other's presence and make mistakes, and each sees the other's every move,
 * each in their own encoding. A client that asks for nothing still gets JSON.
 */
@ParleyIntegrationTest
class MixedEncodingsTests extends AliceAndBobInAGroup {

	@Test
	void aJsonClientAndAProtobufClientChatBothWays() {
		try (ChatClient aliceClient = api.connect(alice); ChatClient bobClient = api.connect(bob, Encoding.PROTOBUF)) {
			assertThat(aliceClient.subprotocol()).as("no subprotocol asked, none chosen: JSON").isNull();
			assertThat(bobClient.subprotocol()).isEqualTo("parley.v1.proto");

			// Alice writes; Bob's binary frame carries the same entry as Alice's text frame.
			String hello = aliceClient.send(group, "Hi Bob! Lunch at 12? 🍜");
			assertThat(aliceClient.expect("ack").get("seq").asLong()).isEqualTo(1);
			JsonNode asJson = aliceClient.expect("message");
			JsonNode asProtobuf = bobClient.expect("message");
			sameEntry(asProtobuf, asJson);
			assertThat(asProtobuf.get("clientMessageId").asString()).isEqualTo(hello);
			assertThat(asProtobuf.get("senderId").asString()).isEqualTo(alice.id().toString());
			assertThat(asProtobuf.get("body").asString()).isEqualTo("Hi Bob! Lunch at 12? 🍜");

			// Bob answers in Protobuf; his ack is binary, Alice reads his message as JSON.
			String reply = bobClient.send(group, "Sure, see you at noon 👋");
			JsonNode ack = bobClient.expect("ack");
			assertThat(ack.get("seq").asLong()).isEqualTo(2);
			assertThat(ack.get("clientMessageId").asString()).isEqualTo(reply);
			assertThat(ack.get("kind").asString()).isEqualTo("message");
			JsonNode bobsOwn = bobClient.expect("message");
			JsonNode atAlice = aliceClient.expect("message");
			sameEntry(bobsOwn, atAlice);
			assertThat(atAlice.get("messageId").asString()).isEqualTo(ack.get("messageId").asString());
			assertThat(atAlice.get("body").asString()).isEqualTo("Sure, see you at noon 👋");

			// Bob edits his message; Alice deletes hers.
			bobClient.sendFrame(Map.of("type", "edit", "conversationId", group.toString(), "clientMessageId", "bob-edit",
					"seq", 2, "expectedVersion", 1, "body", "Sure, see you at 12:30 👋"));
			JsonNode editAck = bobClient.expect("ack");
			assertThat(editAck.get("kind").asString()).isEqualTo("edit");
			assertThat(editAck.get("version").asInt()).isEqualTo(2);
			bobClient.expect("message");
			JsonNode edit = aliceClient.expect("message");
			assertThat(edit.get("kind").asString()).isEqualTo("edit");
			assertThat(edit.get("targetSeq").asLong()).isEqualTo(2);
			assertThat(edit.get("version").asInt()).isEqualTo(2);
			assertThat(edit.get("body").asString()).isEqualTo("Sure, see you at 12:30 👋");

			aliceClient.sendFrame(Map.of("type", "delete", "conversationId", group.toString(), "clientMessageId", "alice-del", "seq", 1));
			assertThat(aliceClient.expect("ack").get("seq").asLong()).isEqualTo(4);
			aliceClient.expect("message");
			JsonNode delete = bobClient.expect("message");
			assertThat(delete.get("kind").asString()).isEqualTo("delete");
			assertThat(delete.get("targetSeq").asLong()).isEqualTo(1);
			assertThat(delete.get("deleted").asBoolean()).isTrue();
			assertThat(delete.has("body")).isFalse();

			// Typing, both ways.
			aliceClient.typing("start", group);
			JsonNode aliceTypes = bobClient.expect("typing");
			assertThat(aliceTypes.get("userId").asString()).isEqualTo(alice.id().toString());
			assertThat(aliceTypes.get("action").asString()).isEqualTo("start");
			aliceClient.typing("stop", group);
			JsonNode aliceStops = bobClient.expect("typing");
			assertThat(aliceStops.get("action").asString()).isEqualTo("stop");
			assertThat(aliceStops.get("reason").asString()).isEqualTo("stopped");

			bobClient.typing("start", group);
			JsonNode bobTypes = aliceClient.expect("typing");
			assertThat(bobTypes.get("userId").asString()).isEqualTo(bob.id().toString());
			assertThat(bobTypes.get("conversationId").asString()).isEqualTo(group.toString());
			bobClient.typing("stop", group);
			assertThat(aliceClient.expect("typing").get("reason").asString()).isEqualTo("stopped");

			// Presence, both ways: each watches the other, then each goes idle.
			bobClient.sendFrame(Map.of("type", "presence.subscribe", "userIds", java.util.List.of(alice.id().toString()), "ref", "watch"));
			JsonNode bobWatches = bobClient.expect("presence.state");
			assertThat(bobWatches.get("ref").asString()).isEqualTo("watch");
			assertThat(bobWatches.get("users").get(0).get("userId").asString()).isEqualTo(alice.id().toString());
			assertThat(bobWatches.get("users").get(0).get("status").asString()).isEqualTo("online");
			aliceClient.subscribePresence(bob.id());
			assertThat(aliceClient.expect("presence.state").get("users").get(0).get("status").asString()).isEqualTo("online");

			aliceClient.sendFrame(Map.of("type", "presence.set", "status", "away"));
			JsonNode aliceAway = bobClient.expect("presence");
			assertThat(aliceAway.get("userId").asString()).isEqualTo(alice.id().toString());
			assertThat(aliceAway.get("status").asString()).isEqualTo("away");
			bobClient.sendFrame(Map.of("type", "presence.set", "status", "away"));
			assertThat(aliceClient.expect("presence").get("status").asString()).isEqualTo("away");

			// Bob's mistakes come back as Protobuf error frames with the same codes JSON has.
			bobClient.sendFrame(Map.of("type", "edit", "conversationId", group.toString(), "clientMessageId", "late-edit",
					"seq", 2, "expectedVersion", 1, "body", "from an old version"));
			JsonNode conflict = bobClient.expect("error");
			assertThat(conflict.get("code").asString()).isEqualTo("version_conflict");
			assertThat(conflict.get("ref").asString()).isEqualTo("late-edit");
			assertThat(conflict.get("currentVersion").asInt()).isEqualTo(2);
			bobClient.send(UUID.randomUUID(), "nowhere", "to a conversation that does not exist");
			JsonNode notAMember = bobClient.expect("error");
			assertThat(notAMember.get("code").asString()).isEqualTo("not_a_member");
			assertThat(notAMember.get("ref").asString()).isEqualTo("nowhere");
			bobClient.sendFrame(Map.of("type", "ping", "ref", "still-there"));
			assertThat(bobClient.expect("pong").get("ref").asString()).isEqualTo("still-there");

			assertThat(bobClient.textFramesReceived()).as("text frames on the Protobuf connection").isZero();
		}
	}

	@Test
	void badBinaryFramesGetProtobufErrorFramesAndTheConversationGoesOn() {
		try (ChatClient aliceClient = api.connect(alice); ChatClient bobClient = api.connect(bob, Encoding.PROTOBUF)) {
			ByteString fifteenBytes = ByteString.copyFrom(new byte[15]);
			ByteString groupBytes = ProtobufFrames.bytes(group);
			Object[][] cases = {
					{ "bytes that are no Protobuf", new byte[] { (byte) 0xff, 1, 2 }, "malformed_frame" },
					{ "an empty frame (no case set)", new byte[0], "unknown_type" },
					{ "a frame type from a newer schema (field 99)", new byte[] { (byte) 0x9a, 0x06, 0x00 }, "unknown_type" },
					{ "a conversation id of 15 bytes", send(fifteenBytes, "c-1", "hi"), "validation_failed" },
					{ "no clientMessageId", send(groupBytes, "", "hi"), "validation_failed" },
					{ "a blank body", send(groupBytes, "c-2", " \n "), "validation_failed" },
					{ "4001 code points", send(groupBytes, "c-3", "😀".repeat(4001)), "message_too_long" },
					{ "70,000 bytes", send(groupBytes, "c-4", "a".repeat(70_000)), "frame_too_large" },
					{ "a text frame on a Protobuf connection", "{\"type\":\"ping\"}", "malformed_frame" } };

			long expectedSeq = 0;
			for (Object[] badCase : cases) {
				if (badCase[1] instanceof String text) {
					bobClient.sendRaw(text);
				}
				else {
					bobClient.sendBinary((byte[]) badCase[1]);
				}
				JsonNode error = bobClient.expect("error");
				assertThat(error.get("code").asString()).as("answer to %s", badCase[0]).isEqualTo(badCase[2]);
				assertThat(error.get("message").asString()).isNotBlank();

				// Bob's connection is still open, and the conversation goes on in both encodings.
				aliceClient.send(group, "still here #" + (++expectedSeq));
				assertThat(aliceClient.expect("ack").get("seq").asLong()).isEqualTo(expectedSeq);
				assertThat(aliceClient.expect("message").get("seq").asLong()).isEqualTo(expectedSeq);
				assertThat(bobClient.expect("message").get("seq").asLong()).isEqualTo(expectedSeq);
			}
			assertThat(bobClient.textFramesReceived()).isZero();
		}
	}

	@Test
	void theClientChoosesItsEncodingAtTheHandshakeAndJsonStaysTheDefault() {
		try (ChatClient askedForJson = api.connect(alice, Encoding.JSON);
				ChatClient askedForNothing = api.connect(alice, Encoding.DEFAULT);
				ChatClient askedForProtobuf = api.connect(bob, Encoding.PROTOBUF)) {
			assertThat(askedForJson.subprotocol()).isEqualTo("parley.v1.json");
			assertThat(askedForNothing.subprotocol()).isNull();
			assertThat(askedForProtobuf.subprotocol()).isEqualTo("parley.v1.proto");

			// A JSON connection still refuses binary frames, whether it asked for JSON or not.
			for (ChatClient json : new ChatClient[] { askedForJson, askedForNothing }) {
				json.sendBinary(ProtobufFrames.toProtobuf(Map.of("type", "ping", "ref", "p")));
				assertThat(json.expect("error").get("code").asString()).isEqualTo("malformed_frame");
			}
			askedForProtobuf.sendFrame(Map.of("type", "ping", "ref", "p"));
			assertThat(askedForProtobuf.expect("pong").get("ref").asString()).isEqualTo("p");
		}
	}

	/** The same log entry, read from a JSON and from a Protobuf frame (times travel in milliseconds in Protobuf). */
	private static void sameEntry(JsonNode fromProtobuf, JsonNode fromJson) {
		for (String field : new String[] { "conversationId", "messageId", "seq", "kind", "senderId", "clientMessageId", "body" }) {
			assertThat(String.valueOf(fromProtobuf.get(field))).as(field).isEqualTo(String.valueOf(fromJson.get(field)));
		}
		assertThat(Instant.parse(fromProtobuf.get("sentAt").asString()))
			.isEqualTo(Instant.parse(fromJson.get("sentAt").asString()).truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
	}

	private static byte[] send(ByteString conversation, String clientMessageId, String body) {
		return ClientFrame.newBuilder()
			.setSend(ClientFrame.Send.newBuilder().setConversationId(conversation).setClientMessageId(clientMessageId).setBody(body))
			.build()
			.toByteArray();
	}
}
