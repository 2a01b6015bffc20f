package io.parley.realtime.internal;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.UUID;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;

import io.parley.realtime.proto.EntryKind;
import io.parley.realtime.proto.PresenceStatus;
import io.parley.realtime.proto.TypingAction;
import io.parley.realtime.proto.TypingStopReason;

import org.springframework.stereotype.Component;

import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Protobuf wire format ({@code src/main/proto/parley/v1/frames.proto}, subprotocol
 * {@code parley.v1.proto}): the same frames as JSON, in binary.
 * <p>
 * Decoding translates the Protobuf frame into the tree a JSON frame parses into (the oneof case
 * becomes {@code type}, 16-byte ids become UUID text) and hands it to {@link FrameCodec}, so both
 * formats are validated by one code path and refused with the same codes. Like the JSON codec it
 * never throws: bytes that do not parse are {@code malformed_frame}, a frame with no case set is
 * {@code unknown_type}.
 */
@Component
class ProtobufFrameCodec {

	private static final JsonNodeFactory nodes = JsonNodeFactory.instance;

	private final FrameCodec validation;
	private final EncodedFrames encoded;

	ProtobufFrameCodec(FrameCodec validation, EncodedFrames encoded) {
		this.validation = validation;
		this.encoded = encoded;
	}

	ClientFrame decode(byte[] bytes) {
		io.parley.realtime.proto.ClientFrame frame;
		try {
			frame = io.parley.realtime.proto.ClientFrame.parseFrom(bytes);
		}
		catch (InvalidProtocolBufferException e) {
			return new ClientFrame.Invalid("malformed_frame", "The frame is not a parley.v1.ClientFrame", null);
		}
		ObjectNode tree = tree(frame);
		if (tree == null) {
			return new ClientFrame.Invalid("unknown_type",
					"The frame has no type this server knows (no ClientFrame case is set)", null);
		}
		return validation.decode(tree);
	}

	/** The frame as the JSON protocol writes it; null when no case is set. */
	private static ObjectNode tree(io.parley.realtime.proto.ClientFrame frame) {
		ObjectNode tree = nodes.objectNode();
		switch (frame.getFrameCase()) {
			case SEND -> {
				var send = frame.getSend();
				tree.put("type", "send");
				id(tree, "conversationId", send.getConversationId());
				text(tree, "clientMessageId", send.getClientMessageId());
				text(tree, "body", send.getBody());
				binary(tree, "ciphertext", send.getCiphertext());
			}
			case EDIT -> {
				var edit = frame.getEdit();
				tree.put("type", "edit");
				id(tree, "conversationId", edit.getConversationId());
				text(tree, "clientMessageId", edit.getClientMessageId());
				tree.put("seq", edit.getSeq());
				tree.put("expectedVersion", edit.getExpectedVersion());
				text(tree, "body", edit.getBody());
				binary(tree, "ciphertext", edit.getCiphertext());
			}
			case DELETE -> {
				var delete = frame.getDelete();
				tree.put("type", "delete");
				id(tree, "conversationId", delete.getConversationId());
				text(tree, "clientMessageId", delete.getClientMessageId());
				tree.put("seq", delete.getSeq());
			}
			case RESUME -> {
				var resume = frame.getResume();
				tree.put("type", "resume");
				ArrayNode cursors = tree.putArray("conversations");
				for (var cursor : resume.getConversationsList()) {
					ObjectNode item = cursors.addObject();
					id(item, "conversationId", cursor.getConversationId());
					item.put("afterSeq", cursor.getAfterSeq());
				}
				text(tree, "ref", resume.getRef());
			}
			case FETCH -> {
				var fetch = frame.getFetch();
				tree.put("type", "fetch");
				id(tree, "conversationId", fetch.getConversationId());
				tree.put("afterSeq", fetch.getAfterSeq());
				if (fetch.hasLimit()) {
					tree.put("limit", fetch.getLimit());
				}
				text(tree, "ref", fetch.getRef());
			}
			case TYPING_START -> typing(tree, "typing.start", frame.getTypingStart());
			case TYPING_RENEW -> typing(tree, "typing.renew", frame.getTypingRenew());
			case TYPING_STOP -> typing(tree, "typing.stop", frame.getTypingStop());
			case PRESENCE_SUBSCRIBE -> {
				var subscribe = frame.getPresenceSubscribe();
				tree.put("type", "presence.subscribe");
				ArrayNode ids = tree.putArray("userIds");
				// An id of the wrong length stays in the list as text that is no UUID, so the whole
				// frame is refused, as a bad id in a JSON list is.
				subscribe.getUserIdsList().forEach(id -> ids.add(id.size() == 16 ? uuid(id).toString() : ""));
				text(tree, "ref", subscribe.getRef());
			}
			case PRESENCE_SET -> {
				var set = frame.getPresenceSet();
				tree.put("type", "presence.set");
				if (set.getStatus() == PresenceStatus.PRESENCE_STATUS_ONLINE) {
					tree.put("status", "online");
				}
				else if (set.getStatus() == PresenceStatus.PRESENCE_STATUS_AWAY) {
					tree.put("status", "away");
				}
				text(tree, "ref", set.getRef());
			}
			case RECEIPT_READ -> receipt(tree, "receipt.read", frame.getReceiptRead());
			case RECEIPT_DELIVERED -> receipt(tree, "receipt.delivered", frame.getReceiptDelivered());
			case PING -> {
				tree.put("type", "ping");
				text(tree, "ref", frame.getPing().getRef());
			}
			case AUTH -> {
				tree.put("type", "auth");
				text(tree, "token", frame.getAuth().getToken());
				text(tree, "ref", frame.getAuth().getRef());
			}
			case FRAME_NOT_SET -> {
				return null;
			}
		}
		return tree;
	}

	private static void typing(ObjectNode tree, String type, io.parley.realtime.proto.ClientFrame.Typing typing) {
		tree.put("type", type);
		id(tree, "conversationId", typing.getConversationId());
		text(tree, "ref", typing.getRef());
	}

	private static void receipt(ObjectNode tree, String type, io.parley.realtime.proto.ClientFrame.Receipt receipt) {
		tree.put("type", type);
		id(tree, "conversationId", receipt.getConversationId());
		tree.put("seq", receipt.getSeq());
		text(tree, "ref", receipt.getRef());
	}

	/** Proto3 cannot tell an empty string from an absent one: empty is absent, as JSON's validation expects. */
	/** Opaque bytes go into the tree as they are (a binary node); empty means absent. */
	private static void binary(ObjectNode tree, String field, ByteString value) {
		if (!value.isEmpty()) {
			tree.put(field, value.toByteArray());
		}
	}

	private static void text(ObjectNode tree, String field, String value) {
		if (!value.isEmpty()) {
			tree.put(field, value);
		}
	}

	/** Only exactly 16 bytes are an id; anything else is left out and refused as a missing id. */
	private static void id(ObjectNode tree, String field, ByteString bytes) {
		if (bytes.size() == 16) {
			tree.put(field, uuid(bytes).toString());
		}
	}

	/** Counted: {@link OutboundFrame} calls this at most once per frame, however many connections get it. */
	byte[] encode(ServerFrame frame) {
		encoded.count(EncodedFrames.PROTOBUF, frame);
		return message(frame).toByteArray();
	}

	/** Java 17: no pattern matching for switch, so an instanceof chain over the sealed type. */
	io.parley.realtime.proto.ServerFrame message(ServerFrame frame) {
		var out = io.parley.realtime.proto.ServerFrame.newBuilder();
		if (frame instanceof ServerFrame.Message m) {
			out.setMessage(message(m));
		}
		else if (frame instanceof ServerFrame.Ack a) {
			var ack = out.getAckBuilder()
				.setConversationId(bytes(a.conversationId()))
				.setMessageId(Long.parseLong(a.messageId()))
				.setSeq(a.seq())
				.setKind(kind(a.kind()))
				.setSentAt(millis(a.sentAt()));
			if (a.clientMessageId() != null) {
				ack.setClientMessageId(a.clientMessageId());
			}
			if (a.version() != null) {
				ack.setVersion(a.version());
			}
		}
		else if (frame instanceof ServerFrame.Typing t) {
			var typing = out.getTypingBuilder()
				.setConversationId(bytes(t.conversationId()))
				.setUserId(bytes(t.userId()))
				.setAction(action(t.action()));
			if (t.reason() != null) {
				typing.setReason(reason(t.reason()));
			}
		}
		else if (frame instanceof ServerFrame.Presence p) {
			out.setPresence(presence(p));
		}
		else if (frame instanceof ServerFrame.Error e) {
			var error = out.getErrorBuilder().setCode(e.code());
			if (e.message() != null) {
				error.setMessage(e.message());
			}
			if (e.ref() != null) {
				error.setRef(e.ref());
			}
			if (e.currentVersion() != null) {
				error.setCurrentVersion(e.currentVersion());
			}
			if (e.retryAfterMs() != null) {
				error.setRetryAfterMs(e.retryAfterMs());
			}
		}
		else if (frame instanceof ServerFrame.Reauthenticate r) {
			out.getReauthenticateBuilder().setExpiresAt(millis(r.expiresAt()));
		}
		else if (frame instanceof ServerFrame.Authenticated a) {
			var authenticated = out.getAuthenticatedBuilder().setExpiresAt(millis(a.expiresAt()));
			if (a.ref() != null) {
				authenticated.setRef(a.ref());
			}
		}
		else if (frame instanceof ServerFrame.Welcome w) {
			out.getWelcomeBuilder()
				.setUserId(bytes(w.userId()))
				.setSessionId(w.sessionId())
				.getLimitsBuilder()
				.setMaxBodyCodePoints(w.limits().maxBodyCodePoints())
				.setMaxFrameBytes(w.limits().maxFrameBytes());
		}
		else if (frame instanceof ServerFrame.Resumed r) {
			var resumed = out.getResumedBuilder()
				.setConversationId(bytes(r.conversationId()))
				.setAfterSeq(r.afterSeq())
				.setLastSeq(r.lastSeq())
				.setRecovered(r.recovered());
			if (r.skippedTo() != null) {
				resumed.setSkippedTo(r.skippedTo());
			}
		}
		else if (frame instanceof ServerFrame.Range r) {
			var range = out.getRangeBuilder()
				.setConversationId(bytes(r.conversationId()))
				.setAfterSeq(r.afterSeq())
				.setHasMore(r.hasMore());
			r.messages().forEach(m -> range.addMessages(message(m)));
			if (r.ref() != null) {
				range.setRef(r.ref());
			}
		}
		else if (frame instanceof ServerFrame.Pong p) {
			var pong = out.getPongBuilder();
			if (p.ref() != null) {
				pong.setRef(p.ref());
			}
		}
		else if (frame instanceof ServerFrame.Reconnect r) {
			out.getReconnectBuilder().setReason(r.reason()).setRetryAfterMs(r.retryAfterMs());
		}
		else if (frame instanceof ServerFrame.ConversationAdded c) {
			out.getConversationAddedBuilder().setConversationId(bytes(c.conversationId())).setBy(bytes(c.by()));
		}
		else if (frame instanceof ServerFrame.ConversationRemoved c) {
			out.getConversationRemovedBuilder().setConversationId(bytes(c.conversationId())).setBy(bytes(c.by()));
		}
		else if (frame instanceof ServerFrame.PresenceState s) {
			var state = out.getPresenceStateBuilder();
			s.users().forEach(p -> state.addUsers(presence(p)));
			if (s.ref() != null) {
				state.setRef(s.ref());
			}
		}
		else if (frame instanceof ServerFrame.ReceiptUpdated r) {
			out.getReceiptUpdatedBuilder()
				.setConversationId(bytes(r.conversationId()))
				.setUserId(bytes(r.userId()))
				.setDeliveredSeq(r.deliveredSeq())
				.setReadSeq(r.readSeq());
		}
		else if (frame instanceof ServerFrame.UnreadUpdated u) {
			out.getUnreadUpdatedBuilder()
				.setConversationId(bytes(u.conversationId()))
				.setReadSeq(u.readSeq())
				.setDeliveredSeq(u.deliveredSeq())
				.setUnread(u.unread());
		}
		else {
			throw new IllegalArgumentException("No Protobuf mapping for " + frame.getClass());
		}
		return out.build();
	}

	private static io.parley.realtime.proto.ServerFrame.Message message(ServerFrame.Message m) {
		var message = io.parley.realtime.proto.ServerFrame.Message.newBuilder()
			.setConversationId(bytes(m.conversationId()))
			.setMessageId(Long.parseLong(m.messageId()))
			.setSeq(m.seq())
			.setKind(kind(m.kind()))
			.setSenderId(bytes(m.senderId()))
			.setSentAt(millis(m.sentAt()))
			.setEditedAt(millis(m.editedAt()))
			.setDeleted(Boolean.TRUE.equals(m.deleted()));
		if (m.clientMessageId() != null) {
			message.setClientMessageId(m.clientMessageId());
		}
		if (m.body() != null) {
			message.setBody(m.body());
		}
		if (m.ciphertext() != null) {
			message.setCiphertext(ByteString.copyFrom(m.ciphertext()));
		}
		if (m.targetSeq() != null) {
			message.setTargetSeq(m.targetSeq());
		}
		if (m.version() != null) {
			message.setVersion(m.version());
		}
		return message.build();
	}

	private static io.parley.realtime.proto.ServerFrame.Presence presence(ServerFrame.Presence p) {
		return io.parley.realtime.proto.ServerFrame.Presence.newBuilder()
			.setUserId(bytes(p.userId()))
			.setStatus(status(p.status()))
			.setLastSeen(millis(p.lastSeen()))
			.build();
	}

	private static EntryKind kind(String kind) {
		return switch (kind) {
			case "message" -> EntryKind.ENTRY_KIND_MESSAGE;
			case "edit" -> EntryKind.ENTRY_KIND_EDIT;
			case "delete" -> EntryKind.ENTRY_KIND_DELETE;
			default -> EntryKind.ENTRY_KIND_UNSPECIFIED;
		};
	}

	private static PresenceStatus status(String status) {
		return switch (status) {
			case "online" -> PresenceStatus.PRESENCE_STATUS_ONLINE;
			case "away" -> PresenceStatus.PRESENCE_STATUS_AWAY;
			case "offline" -> PresenceStatus.PRESENCE_STATUS_OFFLINE;
			default -> PresenceStatus.PRESENCE_STATUS_UNSPECIFIED;
		};
	}

	private static TypingAction action(String action) {
		return switch (action) {
			case "start" -> TypingAction.TYPING_ACTION_START;
			case "renew" -> TypingAction.TYPING_ACTION_RENEW;
			case "stop" -> TypingAction.TYPING_ACTION_STOP;
			default -> TypingAction.TYPING_ACTION_UNSPECIFIED;
		};
	}

	private static TypingStopReason reason(String reason) {
		return switch (reason) {
			case "stopped" -> TypingStopReason.TYPING_STOP_REASON_STOPPED;
			case "sent" -> TypingStopReason.TYPING_STOP_REASON_SENT;
			case "disconnected" -> TypingStopReason.TYPING_STOP_REASON_DISCONNECTED;
			case "expired" -> TypingStopReason.TYPING_STOP_REASON_EXPIRED;
			default -> TypingStopReason.TYPING_STOP_REASON_UNSPECIFIED;
		};
	}

	/** 0 stands for "absent" (no such time in JSON). */
	private static long millis(Instant instant) {
		return instant == null ? 0 : instant.toEpochMilli();
	}

	/** Big-endian: the most significant half first, as {@link UUID#toString()} reads. */
	static ByteString bytes(UUID id) {
		if (id == null) {
			return ByteString.EMPTY;
		}
		return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(id.getMostSignificantBits())
			.putLong(id.getLeastSignificantBits()).array());
	}

	static UUID uuid(ByteString bytes) {
		ByteBuffer buffer = bytes.asReadOnlyByteBuffer();
		return new UUID(buffer.getLong(), buffer.getLong());
	}
}
