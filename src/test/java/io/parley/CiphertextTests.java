package io.parley;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.AliceAndBobInAGroup;
import io.parley.support.ChatClient;
import io.parley.support.ChatClient.Encoding;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

/**
 * Alice and Bob encrypt end to end: their messages carry an opaque {@code ciphertext} that Parley
 * stores in Cassandra and relays without ever reading it. Whatever the bytes (every byte value, broken
 * UTF-8, something that looks like a frame), they come back exactly, live over JSON and Protobuf
 * WebSockets and in REST history.
 */
@ParleyIntegrationTest
class CiphertextTests extends AliceAndBobInAGroup {

	private static final SecureRandom random = new SecureRandom();

	@Test
	void arbitraryBytesRoundTripExactlyOverJsonProtobufAndHistory() {
		try (ChatClient aliceJson = api.connect(alice, Encoding.JSON);
				ChatClient bobProto = api.connect(bob, Encoding.PROTOBUF)) {
			byte[] everyByte = new byte[256 + 1000];
			for (int i = 0; i < 256; i++) {
				everyByte[i] = (byte) i;
			}
			byte[] tail = new byte[1000];
			random.nextBytes(tail);
			System.arraycopy(tail, 0, everyByte, 256, tail.length);
			// Not UTF-8, not Protobuf, but a valid-looking frame: Parley must not care.
			byte[] lookalike = "{\"type\":\"send\",\"body\":\"\u0000\"}\uFFFF".getBytes(StandardCharsets.UTF_8);
			byte[] brokenUtf8 = { (byte) 0xC3, (byte) 0x28, (byte) 0xFF, 0, (byte) 0xED, (byte) 0xA0, (byte) 0x80 };

			// JSON sender, ciphertext only (no body): the Protobuf receiver gets the same bytes.
			sendCiphertext(aliceJson, "a-1", null, everyByte);
			assertThat(aliceJson.expect("ack").get("seq").asLong()).isEqualTo(1);
			JsonNode mine = aliceJson.expect("message");
			assertThat(ciphertext(mine)).isEqualTo(everyByte);
			JsonNode toBob = bobProto.expect("message");
			assertThat(ciphertext(toBob)).isEqualTo(everyByte);
			assertThat(toBob.has("body")).as("no body was sent").isFalse();

			// Protobuf sender, ciphertext beside a body: the JSON receiver gets both.
			sendCiphertext(bobProto, "b-1", "[encrypted]", brokenUtf8);
			bobProto.expect("ack");
			bobProto.expect("message");
			JsonNode toAlice = aliceJson.expect("message");
			assertThat(toAlice.get("body").asString()).isEqualTo("[encrypted]");
			assertThat(ciphertext(toAlice)).isEqualTo(brokenUtf8);

			sendCiphertext(aliceJson, "a-2", null, lookalike);
			aliceJson.expect("ack");
			aliceJson.expect("message");
			assertThat(ciphertext(bobProto.expect("message"))).isEqualTo(lookalike);

			// Plain messages are unchanged: no ciphertext field appears.
			aliceJson.send(group, "a-3", "plain text");
			aliceJson.expect("ack");
			assertThat(aliceJson.expect("message").has("ciphertext")).isFalse();
			assertThat(bobProto.expect("message").has("ciphertext")).isFalse();

			JsonNode history = api.history(bob, group, null).get("messages"); // newest first
			assertThat(history.get(0).has("ciphertext")).isFalse();
			assertThat(ciphertext(history.get(1))).isEqualTo(lookalike);
			assertThat(ciphertext(history.get(2))).isEqualTo(brokenUtf8);
			assertThat(history.get(2).get("body").asString()).isEqualTo("[encrypted]");
			assertThat(ciphertext(history.get(3))).isEqualTo(everyByte);
			assertThat(history.get(3).has("body")).isFalse();

			// A resume replays from Cassandra: the same bytes again.
			try (ChatClient bobAgain = api.connect(bob, group, 0)) {
				assertThat(ciphertext(bobAgain.expect("message"))).isEqualTo(everyByte);
				assertThat(ciphertext(bobAgain.expect("message"))).isEqualTo(brokenUtf8);
			}
		}
	}

	@org.junit.jupiter.params.ParameterizedTest
	@org.junit.jupiter.params.provider.EnumSource(ChatClient.Transport.class)
	void everyTransportCarriesTheSameBytes(ChatClient.Transport transport) {
		try (ChatClient bobProto = api.connect(bob, Encoding.PROTOBUF); ChatClient aliceClient = api.connect(alice, transport, null)) {
			byte[] opaque = bytes(777);
			opaque[0] = 0;
			opaque[1] = (byte) 0xFF;
			sendCiphertext(aliceClient, "t-" + transport, null, opaque);
			aliceClient.expect("ack");
			assertThat(ciphertext(aliceClient.expect("message"))).isEqualTo(opaque);
			assertThat(ciphertext(bobProto.expect("message"))).isEqualTo(opaque);
		}
	}

	@Test
	void anEditReplacesTheCiphertextAndADeleteErasesIt() {
		try (ChatClient aliceClient = api.connect(alice); ChatClient bobClient = api.connect(bob, Encoding.PROTOBUF)) {
			byte[] first = bytes(200);
			byte[] second = bytes(300);
			sendCiphertext(aliceClient, "m-1", null, first);
			long seq = aliceClient.expect("ack").get("seq").asLong();
			aliceClient.expect("message");
			bobClient.expect("message");

			Map<String, Object> edit = new HashMap<>(Map.of("type", "edit", "conversationId", group.toString(), "clientMessageId",
					"m-1-edit", "seq", seq, "expectedVersion", 1, "ciphertext", Base64.getEncoder().encodeToString(second)));
			aliceClient.sendFrame(edit);
			aliceClient.expect("ack");
			JsonNode editEntry = bobClient.expect("message");
			assertThat(editEntry.get("kind").asString()).isEqualTo("edit");
			assertThat(ciphertext(editEntry)).isEqualTo(second);
			aliceClient.expect("message");
			JsonNode edited = api.history(alice, group, null).get("messages").get(1);
			assertThat(edited.get("version").asInt()).isEqualTo(2);
			assertThat(ciphertext(edited)).isEqualTo(second);

			aliceClient.sendFrame(Map.of("type", "delete", "conversationId", group.toString(), "clientMessageId", "m-1-del", "seq", seq));
			aliceClient.expect("ack");
			assertThat(bobClient.expect("message").has("ciphertext")).isFalse();
			JsonNode deleted = api.history(alice, group, null).get("messages").get(2);
			assertThat(deleted.get("deleted").asBoolean()).isTrue();
			assertThat(deleted.has("ciphertext")).as("a tombstone keeps no content").isFalse();
		}
	}

	@Test
	void aCiphertextMustBeBase64AndWithinTheLimit() {
		// One encoding after the other: a stored message reaches every connection of the sender.
		for (Encoding encoding : new Encoding[] { Encoding.JSON, Encoding.PROTOBUF }) {
			try (ChatClient client = api.connect(alice, encoding)) {
				sendCiphertext(client, "big", null, bytes(16 * 1024 + 1));
				assertThat(client.expect("error").get("code").asString()).isEqualTo("ciphertext_too_large");
				sendCiphertext(client, "blank-body", "   ", bytes(10));
				assertThat(client.expect("error").get("code").asString()).isEqualTo("validation_failed");
				client.sendFrame(Map.of("type", "send", "conversationId", group.toString(), "clientMessageId", "nothing"));
				assertThat(client.expect("error").get("code").asString()).isEqualTo("validation_failed");
				sendCiphertext(client, "at-limit-" + encoding, null, bytes(16 * 1024));
				client.expect("ack");
				assertThat(ciphertext(client.expect("message"))).hasSize(16 * 1024);
			}
		}
		try (ChatClient json = api.connect(alice)) {
			json.sendRaw("{\"type\":\"send\",\"conversationId\":\"" + group + "\",\"clientMessageId\":\"x\",\"ciphertext\":\"not base64!\"}");
			assertThat(json.expect("error").get("code").asString()).isEqualTo("validation_failed");
			json.sendRaw("{\"type\":\"send\",\"conversationId\":\"" + group + "\",\"clientMessageId\":\"y\",\"ciphertext\":\"\"}");
			assertThat(json.expect("error").get("code").asString()).isEqualTo("validation_failed");
			json.sendRaw("{\"type\":\"send\",\"conversationId\":\"" + group + "\",\"clientMessageId\":\"z\",\"ciphertext\":42}");
			assertThat(json.expect("error").get("code").asString()).isEqualTo("validation_failed");
		}
	}

	private void sendCiphertext(ChatClient client, String clientMessageId, String body, byte[] ciphertext) {
		Map<String, Object> frame = new HashMap<>(Map.of("type", "send", "conversationId", group.toString(), "clientMessageId",
				clientMessageId, "ciphertext", Base64.getEncoder().encodeToString(ciphertext)));
		if (body != null) {
			frame.put("body", body);
		}
		client.sendFrame(frame);
	}

	private static byte[] ciphertext(JsonNode message) {
		assertThat(message.has("ciphertext")).as("ciphertext in %s", message).isTrue();
		return Base64.getDecoder().decode(message.get("ciphertext").asString());
	}

	private static byte[] bytes(int n) {
		byte[] bytes = new byte[n];
		random.nextBytes(bytes);
		return bytes;
	}
}
