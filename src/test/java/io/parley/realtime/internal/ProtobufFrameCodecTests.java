package io.parley.realtime.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.google.protobuf.ByteString;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.parley.history.StoredMessage;
import io.parley.presence.TypingAction;
import io.parley.realtime.RealtimeSettings;
import io.parley.realtime.proto.ClientFrame.Cursor;
import io.parley.realtime.proto.ClientFrame.Delete;
import io.parley.realtime.proto.ClientFrame.Edit;
import io.parley.realtime.proto.ClientFrame.Fetch;
import io.parley.realtime.proto.ClientFrame.Ping;
import io.parley.realtime.proto.ClientFrame.PresenceSet;
import io.parley.realtime.proto.ClientFrame.PresenceSubscribe;
import io.parley.realtime.proto.ClientFrame.Receipt;
import io.parley.realtime.proto.ClientFrame.Resume;
import io.parley.realtime.proto.ClientFrame.Send;
import io.parley.realtime.proto.ClientFrame.Typing;
import io.parley.realtime.proto.EntryKind;
import io.parley.realtime.proto.PresenceStatus;
import io.parley.realtime.proto.TypingStopReason;

import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

import tools.jackson.databind.json.JsonMapper;

/**
 * The Protobuf codec as a pure unit. Its promise: a Protobuf frame is accepted or refused exactly as
 * the same frame in JSON is, with the same record or the same code. So most checks here decode one
 * frame in both formats and compare.
 */
class ProtobufFrameCodecTests {

	final JsonMapper json = JsonMapper.builder().build();
	final FrameCodec jsonCodec = new FrameCodec(json, new RealtimeSettings(DataSize.ofKilobytes(64), DataSize.ofMegabytes(1), 10, 16, 8));
	final ProtobufFrameCodec codec = new ProtobufFrameCodec(jsonCodec, new EncodedFrames(new SimpleMeterRegistry()));
	final UUID conversation = UUID.randomUUID();
	final ByteString conversationBytes = ProtobufFrameCodec.bytes(conversation);

	@Test
	void everyClientFrameTypeDecodesAsItsJsonTwin() {
		UUID user = UUID.randomUUID();
		String c = "\"conversationId\":\"" + conversation + "\"";
		sameAs("{\"type\":\"send\"," + c + ",\"clientMessageId\":\"c-1\",\"body\":\"hello 😀\"}",
				frame().setSend(Send.newBuilder().setConversationId(conversationBytes).setClientMessageId("c-1").setBody("hello 😀")));
		sameAs("{\"type\":\"edit\"," + c + ",\"clientMessageId\":\"e-1\",\"seq\":4,\"expectedVersion\":2,\"body\":\"fixed\"}",
				frame().setEdit(Edit.newBuilder().setConversationId(conversationBytes).setClientMessageId("e-1").setSeq(4)
					.setExpectedVersion(2).setBody("fixed")));
		sameAs("{\"type\":\"delete\"," + c + ",\"clientMessageId\":\"d-1\",\"seq\":4}",
				frame().setDelete(Delete.newBuilder().setConversationId(conversationBytes).setClientMessageId("d-1").setSeq(4)));
		sameAs("{\"type\":\"resume\",\"conversations\":[{" + c + ",\"afterSeq\":9},{" + c + ",\"afterSeq\":3}]}",
				frame().setResume(Resume.newBuilder()
					.addConversations(Cursor.newBuilder().setConversationId(conversationBytes).setAfterSeq(9))
					.addConversations(Cursor.newBuilder().setConversationId(conversationBytes).setAfterSeq(3))));
		sameAs("{\"type\":\"fetch\"," + c + ",\"afterSeq\":0,\"ref\":\"f\"}",
				frame().setFetch(Fetch.newBuilder().setConversationId(conversationBytes).setRef("f")));
		sameAs("{\"type\":\"fetch\"," + c + ",\"afterSeq\":5,\"limit\":20}",
				frame().setFetch(Fetch.newBuilder().setConversationId(conversationBytes).setAfterSeq(5).setLimit(20)));
		sameAs("{\"type\":\"typing.start\"," + c + "}", frame().setTypingStart(Typing.newBuilder().setConversationId(conversationBytes)));
		sameAs("{\"type\":\"typing.renew\"," + c + "}", frame().setTypingRenew(Typing.newBuilder().setConversationId(conversationBytes)));
		sameAs("{\"type\":\"typing.stop\"," + c + ",\"ref\":\"t\"}",
				frame().setTypingStop(Typing.newBuilder().setConversationId(conversationBytes).setRef("t")));
		sameAs("{\"type\":\"presence.subscribe\",\"userIds\":[\"" + user + "\"],\"ref\":\"p\"}",
				frame().setPresenceSubscribe(PresenceSubscribe.newBuilder().addUserIds(ProtobufFrameCodec.bytes(user)).setRef("p")));
		sameAs("{\"type\":\"presence.set\",\"status\":\"away\"}",
				frame().setPresenceSet(PresenceSet.newBuilder().setStatus(PresenceStatus.PRESENCE_STATUS_AWAY)));
		sameAs("{\"type\":\"presence.set\",\"status\":\"online\"}",
				frame().setPresenceSet(PresenceSet.newBuilder().setStatus(PresenceStatus.PRESENCE_STATUS_ONLINE)));
		sameAs("{\"type\":\"receipt.read\"," + c + ",\"seq\":7,\"ref\":\"r\"}",
				frame().setReceiptRead(Receipt.newBuilder().setConversationId(conversationBytes).setSeq(7).setRef("r")));
		sameAs("{\"type\":\"receipt.delivered\"," + c + ",\"seq\":3}",
				frame().setReceiptDelivered(Receipt.newBuilder().setConversationId(conversationBytes).setSeq(3)));
		sameAs("{\"type\":\"ping\",\"ref\":\"x\"}", frame().setPing(Ping.newBuilder().setRef("x")));

		assertThat(decode(frame().setTypingRenew(Typing.newBuilder().setConversationId(conversationBytes))))
			.isEqualTo(new ClientFrame.Typing(TypingAction.RENEW, conversation, null));
	}

	@Test
	void badFramesAreRefusedWithTheSameCodesAsInJson() {
		String c = "\"conversationId\":\"" + conversation + "\"";
		ByteString fifteenBytes = ByteString.copyFrom(new byte[15]);
		// A missing field in JSON is the default value in Protobuf.
		sameAs("{\"type\":\"send\"," + c + ",\"body\":\"no id\"}",
				frame().setSend(Send.newBuilder().setConversationId(conversationBytes).setBody("no id")));
		sameAs("{\"type\":\"send\",\"conversationId\":\"not-a-uuid\",\"clientMessageId\":\"x\",\"body\":\"hi\"}",
				frame().setSend(Send.newBuilder().setConversationId(fifteenBytes).setClientMessageId("x").setBody("hi")));
		sameAs("{\"type\":\"send\"," + c + ",\"clientMessageId\":\"x\",\"body\":\"  \"}",
				frame().setSend(Send.newBuilder().setConversationId(conversationBytes).setClientMessageId("x").setBody("  ")));
		sameAs("{\"type\":\"send\"," + c + ",\"clientMessageId\":\"x\",\"body\":\"" + "😀".repeat(11) + "\"}",
				frame().setSend(Send.newBuilder().setConversationId(conversationBytes).setClientMessageId("x").setBody("😀".repeat(11))));
		sameAs("{\"type\":\"send\"," + c + ",\"clientMessageId\":\"" + "x".repeat(65) + "\",\"body\":\"b\"}",
				frame().setSend(Send.newBuilder().setConversationId(conversationBytes).setClientMessageId("x".repeat(65)).setBody("b")));
		sameAs("{\"type\":\"edit\"," + c + ",\"clientMessageId\":\"e\",\"seq\":4,\"expectedVersion\":" + (1L + Integer.MAX_VALUE) + ",\"body\":\"b\"}",
				frame().setEdit(Edit.newBuilder().setConversationId(conversationBytes).setClientMessageId("e").setSeq(4)
					.setExpectedVersion(1L + Integer.MAX_VALUE).setBody("b")));
		sameAs("{\"type\":\"delete\"," + c + ",\"clientMessageId\":\"d\",\"seq\":-1}",
				frame().setDelete(Delete.newBuilder().setConversationId(conversationBytes).setClientMessageId("d").setSeq(-1)));
		sameAs("{\"type\":\"fetch\"," + c + ",\"afterSeq\":0,\"limit\":0}",
				frame().setFetch(Fetch.newBuilder().setConversationId(conversationBytes).setLimit(0)));
		sameAs("{\"type\":\"fetch\"," + c + ",\"afterSeq\":0,\"limit\":201}",
				frame().setFetch(Fetch.newBuilder().setConversationId(conversationBytes).setLimit(201)));
		sameAs("{\"type\":\"resume\",\"conversations\":[{\"afterSeq\":1}]}",
				frame().setResume(Resume.newBuilder().addConversations(Cursor.newBuilder().setAfterSeq(1))));
		sameAs("{\"type\":\"presence.subscribe\",\"userIds\":[\"not-a-uuid\"]}",
				frame().setPresenceSubscribe(PresenceSubscribe.newBuilder().addUserIds(fifteenBytes)));
		sameAs("{\"type\":\"presence.set\",\"status\":\"offline\"}",
				frame().setPresenceSet(PresenceSet.newBuilder().setStatus(PresenceStatus.PRESENCE_STATUS_OFFLINE)));
		sameAs("{\"type\":\"presence.set\"}", frame().setPresenceSet(PresenceSet.newBuilder()));
		sameAs("{\"type\":\"typing.start\"}", frame().setTypingStart(Typing.newBuilder()));
		sameAs("{\"type\":\"receipt.read\"," + c + ",\"seq\":0}",
				frame().setReceiptRead(Receipt.newBuilder().setConversationId(conversationBytes)));

		assertThat(code(new byte[] { (byte) 0xff, 1, 2 })).isEqualTo("malformed_frame");
		// Field 1 (send) holding field 2 (clientMessageId) whose bytes are not UTF-8.
		assertThat(code(new byte[] { 0x0a, 0x05, 0x12, 0x03, (byte) 0xff, (byte) 0xfe, (byte) 0xfd })).isEqualTo("malformed_frame");
		// No case set: an empty frame, or one of a type from a newer schema (field 99, unknown here).
		assertThat(code(new byte[0])).isEqualTo("unknown_type");
		assertThat(code(new byte[] { (byte) 0x9a, 0x06, 0x00 })).isEqualTo("unknown_type");
	}

	@Test
	void serverFramesRoundTripWithIdsAsSixteenBytesAndTimesAsMillis() {
		UUID sender = UUID.randomUUID();
		StoredMessage stored = StoredMessage.message(conversation, 7, Long.MAX_VALUE - 1, sender, "c-7", "hi",
				Instant.parse("2026-12-03T12:00:00.123Z"));
		var message = codec.message(ServerFrame.Message.of(stored)).getMessage();
		assertThat(ProtobufFrameCodec.uuid(message.getConversationId())).isEqualTo(conversation);
		assertThat(message.getConversationId().size()).isEqualTo(16);
		assertThat(ProtobufFrameCodec.uuid(message.getSenderId())).isEqualTo(sender);
		assertThat(message.getMessageId()).isEqualTo(Long.MAX_VALUE - 1);
		assertThat(message.getSeq()).isEqualTo(7);
		assertThat(message.getKind()).isEqualTo(EntryKind.ENTRY_KIND_MESSAGE);
		assertThat(message.getBody()).isEqualTo("hi");
		assertThat(message.getSentAt()).isEqualTo(Instant.parse("2026-12-03T12:00:00.123Z").toEpochMilli());
		assertThat(message.getDeleted()).isFalse();

		var error = codec.message(new ServerFrame.Error("version_conflict", "lost", "e-1", 3)).getError();
		assertThat(error.getCode()).isEqualTo("version_conflict");
		assertThat(error.getRef()).isEqualTo("e-1");
		assertThat(error.getCurrentVersion()).isEqualTo(3);

		var limited = codec.message(new ServerFrame.Error("rate_limited", "wait", "c-9", null, 1500L)).getError();
		assertThat(limited.getRetryAfterMs()).isEqualTo(1500);
		assertThat(codec.message(new ServerFrame.Reauthenticate(Instant.ofEpochMilli(9_000))).getReauthenticate().getExpiresAt())
			.isEqualTo(9_000);
		sameAs("{\"type\":\"auth\",\"token\":\"t.o.k\",\"ref\":\"r\"}",
				frame().setAuth(io.parley.realtime.proto.ClientFrame.Auth.newBuilder().setToken("t.o.k").setRef("r")));

		var typing = codec.message(new ServerFrame.Typing(conversation, sender, "stop", "expired")).getTyping();
		assertThat(typing.getAction()).isEqualTo(io.parley.realtime.proto.TypingAction.TYPING_ACTION_STOP);
		assertThat(typing.getReason()).isEqualTo(TypingStopReason.TYPING_STOP_REASON_EXPIRED);

		var resumed = codec.message(new ServerFrame.Resumed(conversation, 3, 900, false, 400L)).getResumed();
		assertThat(resumed.getRecovered()).isFalse();
		assertThat(resumed.getSkippedTo()).isEqualTo(400);
	}

	@Test
	void everyServerFrameTypeHasItsOwnCase() {
		UUID user = UUID.randomUUID();
		ServerFrame.Presence presence = new ServerFrame.Presence(user, "offline", Instant.ofEpochMilli(1_000));
		StoredMessage stored = StoredMessage.message(conversation, 1, 42, user, "c", "b", Instant.ofEpochMilli(5));
		Map<ServerFrame, io.parley.realtime.proto.ServerFrame.FrameCase> cases = Map.ofEntries(
				Map.entry(new ServerFrame.Welcome(user, "s", new ServerFrame.Welcome.Limits(4000, 65536)),
						io.parley.realtime.proto.ServerFrame.FrameCase.WELCOME),
				Map.entry(ServerFrame.Ack.of(stored), io.parley.realtime.proto.ServerFrame.FrameCase.ACK),
				Map.entry(ServerFrame.Message.of(stored), io.parley.realtime.proto.ServerFrame.FrameCase.MESSAGE),
				Map.entry(new ServerFrame.Error("x", "y", null), io.parley.realtime.proto.ServerFrame.FrameCase.ERROR),
				Map.entry(new ServerFrame.Resumed(conversation, 0, 1, true, null), io.parley.realtime.proto.ServerFrame.FrameCase.RESUMED),
				Map.entry(new ServerFrame.Range(conversation, 0, List.of(ServerFrame.Message.of(stored)), false, "r"),
						io.parley.realtime.proto.ServerFrame.FrameCase.RANGE),
				Map.entry(new ServerFrame.Pong(null), io.parley.realtime.proto.ServerFrame.FrameCase.PONG),
				Map.entry(new ServerFrame.ConversationAdded(conversation, user), io.parley.realtime.proto.ServerFrame.FrameCase.CONVERSATION_ADDED),
				Map.entry(new ServerFrame.ConversationRemoved(conversation, user),
						io.parley.realtime.proto.ServerFrame.FrameCase.CONVERSATION_REMOVED),
				Map.entry(new ServerFrame.PresenceState(List.of(presence), "p"), io.parley.realtime.proto.ServerFrame.FrameCase.PRESENCE_STATE),
				Map.entry(presence, io.parley.realtime.proto.ServerFrame.FrameCase.PRESENCE),
				Map.entry(new ServerFrame.Typing(conversation, user, "start", null), io.parley.realtime.proto.ServerFrame.FrameCase.TYPING),
				Map.entry(new ServerFrame.ReceiptUpdated(conversation, user, 2, 1), io.parley.realtime.proto.ServerFrame.FrameCase.RECEIPT_UPDATED),
				Map.entry(new ServerFrame.UnreadUpdated(conversation, 1, 2, 0), io.parley.realtime.proto.ServerFrame.FrameCase.UNREAD_UPDATED),
				Map.entry(new ServerFrame.Reconnect("draining", 1234), io.parley.realtime.proto.ServerFrame.FrameCase.RECONNECT),
				Map.entry(new ServerFrame.Reauthenticate(Instant.ofEpochMilli(9_000)),
						io.parley.realtime.proto.ServerFrame.FrameCase.REAUTHENTICATE),
				Map.entry(new ServerFrame.Authenticated(Instant.ofEpochMilli(9_000), "a"),
						io.parley.realtime.proto.ServerFrame.FrameCase.AUTHENTICATED));
		// The JSON protocol's frame types, one each: nothing is left without a Protobuf case.
		assertThat(cases.keySet().stream().map(EncodedFrames::typeOf).distinct()).hasSize(
				ServerFrame.class.getAnnotation(com.fasterxml.jackson.annotation.JsonSubTypes.class).value().length);
		cases.forEach((frame, expected) -> assertThat(codec.message(frame).getFrameCase()).as("%s", frame).isEqualTo(expected));
	}

	@Test
	void aCiphertextIsTakenAndGivenBackAsTheSameBytesInBothEncodings() {
		byte[] opaque = { 0, (byte) 0xFF, 0x0A, (byte) 0xC3, 0x28, 0x7B };
		String base64 = java.util.Base64.getEncoder().encodeToString(opaque);
		var fromProtobuf = (ClientFrame.Send) decode(frame().setSend(Send.newBuilder().setConversationId(conversationBytes)
			.setClientMessageId("c-1").setCiphertext(ByteString.copyFrom(opaque))));
		var fromJson = (ClientFrame.Send) jsonCodec.decode("{\"type\":\"send\",\"conversationId\":\"" + conversation
				+ "\",\"clientMessageId\":\"c-1\",\"ciphertext\":\"" + base64 + "\"}");
		assertThat(fromProtobuf.ciphertext()).containsExactly(opaque);
		assertThat(fromJson.ciphertext()).containsExactly(opaque);
		assertThat(fromProtobuf.body()).isNull();
		var edit = (ClientFrame.Edit) decode(frame().setEdit(Edit.newBuilder().setConversationId(conversationBytes)
			.setClientMessageId("e-1").setSeq(4).setExpectedVersion(1).setCiphertext(ByteString.copyFrom(opaque))));
		assertThat(edit.ciphertext()).containsExactly(opaque);

		StoredMessage stored = StoredMessage.message(conversation, 1, 42, UUID.randomUUID(), "c-1", null, opaque, Instant.ofEpochMilli(5));
		assertThat(codec.message(ServerFrame.Message.of(stored)).getMessage().getCiphertext().toByteArray()).containsExactly(opaque);
		assertThat(jsonCodec.encode(ServerFrame.Message.of(stored))).contains("\"ciphertext\":\"" + base64 + "\"")
			.doesNotContain("\"body\"");
		StoredMessage plain = StoredMessage.message(conversation, 2, 43, UUID.randomUUID(), "c-2", "hi", Instant.ofEpochMilli(5));
		assertThat(codec.message(ServerFrame.Message.of(plain)).getMessage().getCiphertext().isEmpty()).isTrue();
		assertThat(jsonCodec.encode(ServerFrame.Message.of(plain))).doesNotContain("ciphertext");
	}

	private void sameAs(String jsonFrame, io.parley.realtime.proto.ClientFrame.Builder protobufFrame) {
		assertThat(decode(protobufFrame)).as("Protobuf twin of %s", jsonFrame).isEqualTo(jsonCodec.decode(jsonFrame));
	}

	private ClientFrame decode(io.parley.realtime.proto.ClientFrame.Builder frame) {
		return codec.decode(frame.build().toByteArray());
	}

	private String code(byte[] bytes) {
		return ((ClientFrame.Invalid) codec.decode(bytes)).code();
	}

	private static io.parley.realtime.proto.ClientFrame.Builder frame() {
		return io.parley.realtime.proto.ClientFrame.newBuilder();
	}
}
