package io.parley.support;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;

import io.parley.realtime.proto.ClientFrame;
import io.parley.realtime.proto.ServerFrame;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a Protobuf client does with the schema, written from the client's side only (the generated
 * classes and their descriptors, none of the server's code): frames the tests write as JSON-like maps
 * go out as {@code parley.v1.ClientFrame}, and {@code parley.v1.ServerFrame}s come back as the JSON
 * tree of the same frame, so one test can read a JSON and a Protobuf client alike.
 * <p>
 * Mapping, as docs/protocol.md states it: the oneof case is the {@code type} ({@code typing_start} is
 * {@code typing.start}); 16-byte fields are UUIDs; {@code message_id} is a number, shown as a string as
 * in JSON; {@code *_at} and {@code last_seen} are epoch millis, shown as ISO-8601; enums lose their prefix
 * ({@code ENTRY_KIND_EDIT} is {@code edit}); a field at its default is absent, except booleans.
 */
public final class ProtobufFrames {

	private static final JsonNodeFactory nodes = JsonNodeFactory.instance;

	private ProtobufFrames() {
	}

	public static byte[] toProtobuf(Map<String, ?> frame) {
		String type = (String) frame.get("type");
		ClientFrame.Builder builder = ClientFrame.newBuilder();
		FieldDescriptor caseField = ClientFrame.getDescriptor().findFieldByName(type.replace('.', '_'));
		if (caseField == null) {
			throw new IllegalArgumentException("No Protobuf frame for type " + type);
		}
		Message.Builder body = builder.newBuilderForField(caseField);
		fill(body, frame);
		return builder.setField(caseField, body.build()).build().toByteArray();
	}

	private static void fill(Message.Builder builder, Map<String, ?> fields) {
		fields.forEach((name, value) -> {
			if (name.equals("type") || value == null) {
				return;
			}
			FieldDescriptor field = builder.getDescriptorForType().getFields().stream()
				.filter(f -> f.getJsonName().equals(name))
				.findFirst()
				.orElseThrow(() -> new IllegalArgumentException("No field " + name + " in " + builder.getDescriptorForType().getName()));
			if (field.isRepeated()) {
				((List<?>) value).forEach(item -> builder.addRepeatedField(field, scalar(builder, field, item)));
			}
			else {
				builder.setField(field, scalar(builder, field, value));
			}
		});
	}

	@SuppressWarnings("unchecked")
	private static Object scalar(Message.Builder parent, FieldDescriptor field, Object value) {
		switch (field.getJavaType()) {
			case BYTE_STRING:
				// Opaque payloads are base64 in the JSON tree, as in the JSON protocol; every other bytes field is an id.
				return field.getName().equals("ciphertext") ? ByteString.copyFrom(java.util.Base64.getDecoder().decode(value.toString()))
						: bytes(UUID.fromString(value.toString()));
			case LONG:
				return ((Number) value).longValue();
			case INT:
				return ((Number) value).intValue();
			case BOOLEAN:
				return value;
			case ENUM:
				EnumDescriptor type = field.getEnumType();
				return type.findValueByName(prefix(type) + value.toString().toUpperCase());
			case MESSAGE:
				Message.Builder nested = parent.newBuilderForField(field);
				fill(nested, (Map<String, ?>) value);
				return nested.build();
			default:
				return value.toString();
		}
	}

	/** The JSON tree of a server frame, {@code type} first. */
	public static JsonNode toJson(byte[] bytes) {
		ServerFrame frame;
		try {
			frame = ServerFrame.parseFrom(bytes);
		}
		catch (com.google.protobuf.InvalidProtocolBufferException e) {
			throw new IllegalStateException("The server sent a binary frame that is not a parley.v1.ServerFrame", e);
		}
		FieldDescriptor caseField = frame.getOneofFieldDescriptor(ServerFrame.getDescriptor().getOneofs().get(0));
		if (caseField == null) {
			throw new IllegalStateException("The server sent a ServerFrame with no case set");
		}
		ObjectNode tree = nodes.objectNode();
		tree.put("type", caseField.getName().replace('_', '.'));
		tree.setAll(object((Message) frame.getField(caseField)));
		return tree;
	}

	private static ObjectNode object(Message message) {
		ObjectNode tree = nodes.objectNode();
		for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
			boolean present = field.isRepeated() ? message.getRepeatedFieldCount(field) > 0 : message.hasField(field);
			if (field.getJavaType() == FieldDescriptor.JavaType.BOOLEAN) {
				tree.put(field.getJsonName(), (Boolean) message.getField(field));
			}
			else if (field.isRepeated()) {
				ArrayNode items = tree.putArray(field.getJsonName());
				for (int i = 0; i < message.getRepeatedFieldCount(field); i++) {
					items.add(value(field, message.getRepeatedField(field, i)));
				}
			}
			else if (present) {
				tree.set(field.getJsonName(), value(field, message.getField(field)));
			}
		}
		return tree;
	}

	private static JsonNode value(FieldDescriptor field, Object value) {
		String name = field.getName();
		switch (field.getJavaType()) {
			case BYTE_STRING:
				return name.equals("ciphertext") ? nodes.stringNode(java.util.Base64.getEncoder().encodeToString(((ByteString) value).toByteArray()))
						: nodes.stringNode(uuid((ByteString) value).toString());
			case LONG:
				long number = (Long) value;
				if (name.equals("message_id")) {
					return nodes.stringNode(Long.toUnsignedString(number));
				}
				if (name.endsWith("_at") || name.equals("last_seen")) {
					return nodes.stringNode(Instant.ofEpochMilli(number).toString());
				}
				return nodes.numberNode(number);
			case INT:
				return nodes.numberNode((Integer) value);
			case ENUM:
				var enumValue = (com.google.protobuf.Descriptors.EnumValueDescriptor) value;
				return nodes.stringNode(enumValue.getName().substring(prefix(enumValue.getType()).length()).toLowerCase());
			case MESSAGE:
				return object((Message) value);
			default:
				return nodes.stringNode(value.toString());
		}
	}

	/** {@code EntryKind} values start with {@code ENTRY_KIND_}. */
	private static String prefix(EnumDescriptor type) {
		return type.getName().replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase() + "_";
	}

	public static ByteString bytes(UUID id) {
		return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits()).array());
	}

	private static UUID uuid(ByteString bytes) {
		ByteBuffer buffer = bytes.asReadOnlyByteBuffer();
		return new UUID(buffer.getLong(), buffer.getLong());
	}
}
