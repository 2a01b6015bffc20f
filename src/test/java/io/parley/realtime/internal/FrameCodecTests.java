package io.parley.realtime.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.UUID;

import io.parley.history.StoredMessage;
import io.parley.realtime.RealtimeSettings;

import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The JSON frame codec as a pure unit: what it accepts, what it refuses and with which code, what it writes. */
class FrameCodecTests {

	final JsonMapper json = JsonMapper.builder().build();
	final FrameCodec codec = new FrameCodec(json, new RealtimeSettings(DataSize.ofKilobytes(64), DataSize.ofMegabytes(1), 10, 16, 8));
	final UUID conversation = UUID.randomUUID();

	@Test
	void aValidSendDecodesToASendFrame() {
		ClientFrame frame = codec.decode(send("c-1", "hello"));
		assertThat(frame).isEqualTo(new ClientFrame.Send(conversation, "c-1", "hello"));
	}

	@Test
	void presenceAndTypingFramesDecodeOrAreRefusedByShape() {
		UUID user = UUID.randomUUID();
		assertThat(codec.decode("{\"type\":\"presence.subscribe\",\"userIds\":[\"" + user + "\"],\"ref\":\"r\"}"))
			.isEqualTo(new ClientFrame.PresenceSubscribe(java.util.List.of(user), "r"));
		assertThat(codec.decode("{\"type\":\"presence.set\",\"status\":\"away\"}")).isEqualTo(new ClientFrame.PresenceSet(true, null));
		assertThat(codec.decode("{\"type\":\"typing.renew\",\"conversationId\":\"" + conversation + "\"}"))
			.isEqualTo(new ClientFrame.Typing(io.parley.presence.TypingAction.RENEW, conversation, null));
		assertThat(code("{\"type\":\"presence.subscribe\",\"userIds\":[\"not-a-uuid\"]}")).isEqualTo("validation_failed");
		assertThat(code("{\"type\":\"presence.subscribe\"}")).isEqualTo("validation_failed");
		assertThat(code("{\"type\":\"presence.set\",\"status\":\"invisible\"}")).isEqualTo("validation_failed");
		assertThat(code("{\"type\":\"typing.start\"}")).isEqualTo("validation_failed");
	}

	@Test
	void receiptFramesDecodeOrAreRefusedByShapeAndPointerFramesCarryTheirType() {
		assertThat(codec.decode("{\"type\":\"receipt.read\",\"conversationId\":\"" + conversation + "\",\"seq\":7,\"ref\":\"r\"}"))
			.isEqualTo(new ClientFrame.Receipt(conversation, 7, true, "r"));
		assertThat(codec.decode("{\"type\":\"receipt.delivered\",\"conversationId\":\"" + conversation + "\",\"seq\":3}"))
			.isEqualTo(new ClientFrame.Receipt(conversation, 3, false, null));
		assertThat(code("{\"type\":\"receipt.read\",\"conversationId\":\"" + conversation + "\",\"seq\":0}")).isEqualTo("validation_failed");
		assertThat(code("{\"type\":\"receipt.read\",\"conversationId\":\"" + conversation + "\",\"seq\":\"7\"}")).isEqualTo("validation_failed");
		assertThat(code("{\"type\":\"receipt.read\",\"seq\":7}")).isEqualTo("validation_failed");
		assertThat(json.readTree(codec.encode(new ServerFrame.UnreadUpdated(conversation, 4, 5, 0))).get("type").asString())
			.isEqualTo("unread.updated");
		assertThat(json.readTree(codec.encode(new ServerFrame.ReceiptUpdated(conversation, UUID.randomUUID(), 5, 4))).get("type").asString())
			.isEqualTo("receipt.updated");
	}

	@Test
	void theBodyLimitCountsCodePointsNotUtf16Units() {
		assertThat(codec.decode(send("a", "123456789😀"))).isInstanceOf(ClientFrame.Send.class); // 10 code points
		assertThat(codec.decode(send("b", "😀".repeat(10)))).isInstanceOf(ClientFrame.Send.class); // 10 code points, 20 units
		assertThat(codec.decode(send("c", "1234567890😀"))).isEqualTo(
				new ClientFrame.Invalid("message_too_long", "The body has 11 code points; the limit is 10", "c"));
	}

	@Test
	void unpairedSurrogatesAreRefused() {
		String frame = "{\"type\":\"send\",\"conversationId\":\"" + conversation + "\",\"clientMessageId\":\"s\",\"body\":\"a\\udc00b\"}";
		assertThat(codec.decode(frame)).extracting(f -> ((ClientFrame.Invalid) f).code()).isEqualTo("validation_failed");
	}

	@Test
	void refusalsCarryStableCodes() {
		assertThat(code("not json")).isEqualTo("malformed_frame");
		assertThat(code("\"a string\"")).isEqualTo("malformed_frame");
		assertThat(code("{\"body\":\"x\"}")).isEqualTo("missing_type");
		assertThat(code("{\"type\":\"dance\"}")).isEqualTo("unknown_type");
		assertThat(code("{\"type\":\"send\",\"conversationId\":\"" + conversation + "\",\"clientMessageId\":\""
				+ "x".repeat(65) + "\",\"body\":\"b\"}")).isEqualTo("validation_failed");
	}

	@Test
	void serverFramesCarryTheirTypeAndMessageIdsAsStrings() {
		StoredMessage stored = StoredMessage.message(conversation, 7, Long.MAX_VALUE - 1, UUID.randomUUID(), "c-7", "hi",
				Instant.parse("2026-12-03T12:00:00.123Z"));
		JsonNode message = json.readTree(codec.encode(ServerFrame.Message.of(stored)));
		assertThat(message.get("type").asString()).isEqualTo("message");
		assertThat(message.get("messageId").isString()).isTrue();
		assertThat(message.get("messageId").asString()).isEqualTo(Long.toString(Long.MAX_VALUE - 1));
		assertThat(message.get("seq").asLong()).isEqualTo(7);
		assertThat(message.get("sentAt").asString()).isEqualTo("2026-12-03T12:00:00.123Z");

		JsonNode error = json.readTree(codec.encode(new ServerFrame.Error("unknown_type", "nope", null)));
		assertThat(error.has("ref")).isFalse();
		assertThat(error.get("type").asString()).isEqualTo("error");
	}

	private String send(String clientMessageId, String body) {
		return json.writeValueAsString(java.util.Map.of("type", "send", "conversationId", conversation.toString(),
				"clientMessageId", clientMessageId, "body", body));
	}

	private String code(String frame) {
		return ((ClientFrame.Invalid) codec.decode(frame)).code();
	}
}
