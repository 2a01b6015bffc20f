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
	void nestingDeeperThanTheLimitIsRefusedBeforeATreeIsBuilt() {
		String eightLevels = "{\"type\":\"ping\",\"x\":" + "[".repeat(7) + "]".repeat(7) + "}";
		assertThat(codec.decode(eightLevels)).isEqualTo(new ClientFrame.Ping(null));
		String nineLevels = "{\"type\":\"ping\",\"x\":" + "[".repeat(8) + "]".repeat(8) + "}";
		assertThat(code(nineLevels)).isEqualTo("nesting_too_deep");
		assertThat(code("[".repeat(100_000))).isEqualTo("nesting_too_deep");
	}

	@Test
	void authFramesCarryATokenOfBoundedLength() {
		assertThat(codec.decode("{\"type\":\"auth\",\"token\":\"abc\",\"ref\":\"r\"}")).isEqualTo(new ClientFrame.Auth("abc", "r"));
		assertThat(code("{\"type\":\"auth\",\"token\":\"\"}")).isEqualTo("validation_failed");
		assertThat(code("{\"type\":\"auth\",\"token\":\"" + "a".repeat(4097) + "\"}")).isEqualTo("validation_failed");
		JsonNode ask = json.readTree(codec.encode(new ServerFrame.Reauthenticate(Instant.parse("2026-12-03T10:00:00Z"))));
		assertThat(ask.get("type").asString()).isEqualTo("reauthenticate");
		assertThat(ask.get("expiresAt").asString()).isEqualTo("2026-12-03T10:00:00Z");
		JsonNode limited = json.readTree(codec.encode(new ServerFrame.Error("rate_limited", "slow down", "c-1", null, 1500L)));
		assertThat(limited.get("retryAfterMs").asLong()).isEqualTo(1500);
	}

	@Test
	void resumeNamesAtMost500ConversationsInAFrameAndInTheHandshake() {
		StringBuilder frame = new StringBuilder("{\"type\":\"resume\",\"conversations\":[");
		StringBuilder query = new StringBuilder();
		for (int i = 0; i < 501; i++) {
			UUID id = UUID.randomUUID();
			frame.append(i == 0 ? "" : ",").append("{\"conversationId\":\"").append(id).append("\",\"afterSeq\":0}");
			query.append(i == 0 ? "" : ",").append(id).append(":0");
		}
		assertThat(code(frame + "]}")).isEqualTo("too_many_conversations");
		ClientFrame handshake = codec.decodeResumeParameter(java.net.URI.create("ws://h/ws?resume=" + query));
		assertThat(((ClientFrame.Invalid) handshake).code()).isEqualTo("too_many_conversations");
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
