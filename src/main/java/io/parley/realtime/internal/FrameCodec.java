package io.parley.realtime.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.parley.presence.TypingAction;
import io.parley.realtime.RealtimeSettings;

import org.springframework.stereotype.Component;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns text frames into {@link ClientFrame}s and {@link ServerFrame}s into text. Decoding never
 * throws: anything unacceptable becomes {@link ClientFrame.Invalid} with a stable code, so a bad
 * frame costs its sender one error frame and nobody else anything.
 */
@Component
class FrameCodec {

	static final int MAX_CLIENT_MESSAGE_ID_LENGTH = 64;

	private final JsonMapper json;
	private final RealtimeSettings settings;

	FrameCodec(JsonMapper json, RealtimeSettings settings) {
		this.json = json;
		this.settings = settings;
	}

	ClientFrame decode(String text) {
		JsonNode frame;
		try {
			frame = json.readTree(text);
		}
		catch (JacksonException e) {
			return new ClientFrame.Invalid("malformed_frame", "The frame is not valid JSON", null);
		}
		if (frame == null || !frame.isObject()) {
			return new ClientFrame.Invalid("malformed_frame", "A frame must be a JSON object with a 'type'", null);
		}
		JsonNode type = frame.get("type");
		if (type == null || !type.isString()) {
			return new ClientFrame.Invalid("missing_type", "The frame has no 'type'", null);
		}
		return switch (type.asString()) {
			case "send" -> send(frame);
			case "ping" -> new ClientFrame.Ping(optionalText(frame, "ref"));
			case "presence.set" -> presenceSet(frame);
			case "presence.subscribe" -> presenceSubscribe(frame);
			case "typing.start" -> typing(frame, TypingAction.START);
			case "typing.renew" -> typing(frame, TypingAction.RENEW);
			case "typing.stop" -> typing(frame, TypingAction.STOP);
			default -> new ClientFrame.Invalid("unknown_type", "Unknown frame type '" + abbreviate(type.asString()) + "'",
					optionalText(frame, "ref"));
		};
	}

	private ClientFrame send(JsonNode frame) {
		String clientMessageId = optionalText(frame, "clientMessageId");
		if (clientMessageId == null || clientMessageId.isEmpty() || clientMessageId.length() > MAX_CLIENT_MESSAGE_ID_LENGTH) {
			return invalid("clientMessageId must be a string of 1 to " + MAX_CLIENT_MESSAGE_ID_LENGTH + " characters", null);
		}
		UUID conversationId = uuid(optionalText(frame, "conversationId"));
		if (conversationId == null) {
			return invalid("conversationId must be a conversation id (UUID)", clientMessageId);
		}
		String body = optionalText(frame, "body");
		if (body == null || body.isBlank()) {
			return invalid("body must be a non-empty string", clientMessageId);
		}
		if (hasLoneSurrogate(body)) {
			return invalid("body is not valid Unicode text (it contains an unpaired surrogate)", clientMessageId);
		}
		int codePoints = body.codePointCount(0, body.length());
		if (codePoints > settings.maxBodyCodePoints()) {
			return new ClientFrame.Invalid("message_too_long", "The body has " + codePoints + " code points; the limit is "
					+ settings.maxBodyCodePoints(), clientMessageId);
		}
		return new ClientFrame.Send(conversationId, clientMessageId, body);
	}

	private ClientFrame presenceSet(JsonNode frame) {
		String ref = optionalText(frame, "ref");
		String status = optionalText(frame, "status");
		if (!"away".equals(status) && !"online".equals(status)) {
			return invalid("status must be 'away' or 'online'", ref);
		}
		return new ClientFrame.PresenceSet("away".equals(status), ref);
	}

	/** Only the shape is checked here; how many ids one may watch is the presence module's rule. */
	private ClientFrame presenceSubscribe(JsonNode frame) {
		String ref = optionalText(frame, "ref");
		JsonNode ids = frame.get("userIds");
		if (ids == null || !ids.isArray()) {
			return invalid("userIds must be an array of user ids (UUIDs)", ref);
		}
		List<UUID> userIds = new ArrayList<>(ids.size());
		for (JsonNode id : ids) {
			UUID userId = id.isString() ? uuid(id.asString()) : null;
			if (userId == null) {
				return invalid("userIds must be an array of user ids (UUIDs)", ref);
			}
			userIds.add(userId);
		}
		return new ClientFrame.PresenceSubscribe(List.copyOf(userIds), ref);
	}

	private ClientFrame typing(JsonNode frame, TypingAction action) {
		String ref = optionalText(frame, "ref");
		UUID conversationId = uuid(optionalText(frame, "conversationId"));
		if (conversationId == null) {
			return invalid("conversationId must be a conversation id (UUID)", ref);
		}
		return new ClientFrame.Typing(action, conversationId, ref);
	}

	String encode(ServerFrame frame) {
		return json.writerFor(ServerFrame.class).writeValueAsString(frame);
	}

	private static ClientFrame.Invalid invalid(String message, String ref) {
		return new ClientFrame.Invalid("validation_failed", message, ref);
	}

	private static String optionalText(JsonNode frame, String field) {
		JsonNode value = frame.get(field);
		return value != null && value.isString() ? value.asString() : null;
	}

	private static UUID uuid(String text) {
		if (text == null) {
			return null;
		}
		try {
			return UUID.fromString(text);
		}
		catch (IllegalArgumentException e) {
			return null;
		}
	}

	private static boolean hasLoneSurrogate(String s) {
		for (int i = 0; i < s.length(); i++) {
			char c = s.charAt(i);
			if (Character.isHighSurrogate(c)) {
				if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
					return true;
				}
				i++;
			}
			else if (Character.isLowSurrogate(c)) {
				return true;
			}
		}
		return false;
	}

	private static String abbreviate(String s) {
		return s.length() <= 40 ? s : s.substring(0, 40) + "…";
	}
}
