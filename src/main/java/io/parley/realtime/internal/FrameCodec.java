package io.parley.realtime.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.parley.presence.TypingAction;
import io.parley.realtime.RealtimeGuardSettings;
import io.parley.realtime.RealtimeSettings;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.json.JsonFactory;
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
	static final int MAX_RESUME_CURSORS = 500;
	static final int MAX_FETCH = 200;

	/** The default of {@code parley.realtime.max-json-depth}. */
	static final int DEFAULT_MAX_DEPTH = 8;

	private final JsonMapper json;
	private final RealtimeSettings settings;
	/** Reads client frames: like {@link #json}, but refuses nesting deeper than {@code max-json-depth}. */
	private final JsonMapper reader;
	private final int maxDepth;

	private final EncodedFrames encoded;

	@Autowired
	FrameCodec(JsonMapper json, RealtimeSettings settings, EncodedFrames encoded, RealtimeGuardSettings guards) {
		this.json = json;
		this.settings = settings;
		this.encoded = encoded;
		this.maxDepth = guards.maxJsonDepth();
		// Jackson's stream constraints stop the parser at the limit, before any deeper tree is built.
		this.reader = JsonMapper.builder(JsonFactory.builder()
			.streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth).build())
			.build()).build();
	}

	FrameCodec(JsonMapper json, RealtimeSettings settings, EncodedFrames encoded) {
		this(json, settings, encoded, new RealtimeGuardSettings(java.util.List.of(), 30, java.time.Duration.ofSeconds(10),
				java.time.Duration.ofSeconds(60), DEFAULT_MAX_DEPTH));
	}

	/** For unit tests: encodings are counted in a registry of its own. */
	FrameCodec(JsonMapper json, RealtimeSettings settings) {
		this(json, settings, new EncodedFrames(new SimpleMeterRegistry()));
	}

	/**
	 * The refusal of a frame of {@code bytes} bytes when that is above the application's frame limit,
	 * the same on every transport; {@code null} when the frame may be decoded.
	 */
	ClientFrame.Invalid oversized(long bytes) {
		long limit = settings.maxFrameBytes().toBytes();
		return bytes > limit ? new ClientFrame.Invalid("frame_too_large", "The frame has " + bytes + " bytes; the limit is " + limit, null)
				: null;
	}

	ClientFrame decode(String text) {
		JsonNode frame;
		try {
			frame = reader.readTree(text);
		}
		catch (StreamConstraintsException e) {
			return new ClientFrame.Invalid("nesting_too_deep", "The frame nests objects and arrays deeper than " + maxDepth
					+ " levels", null);
		}
		catch (JacksonException e) {
			return new ClientFrame.Invalid("malformed_frame", "The frame is not valid JSON", null);
		}
		return decode(frame);
	}

	/**
	 * Validates a frame already parsed into a tree: JSON text, or a Protobuf frame translated into the
	 * same shape ({@link ProtobufFrameCodec}), so both wire formats are checked by this one code path.
	 */
	ClientFrame decode(JsonNode frame) {
		if (frame == null || !frame.isObject()) {
			return new ClientFrame.Invalid("malformed_frame", "A frame must be a JSON object with a 'type'", null);
		}
		JsonNode type = frame.get("type");
		if (type == null || !type.isString()) {
			return new ClientFrame.Invalid("missing_type", "The frame has no 'type'", null);
		}
		return switch (type.asString()) {
			case "send" -> send(frame);
			case "edit" -> edit(frame);
			case "delete" -> delete(frame);
			case "resume" -> resume(frame);
			case "fetch" -> fetch(frame);
			case "ping" -> new ClientFrame.Ping(ref(frame));
			case "auth" -> auth(frame);
			case "presence.set" -> presenceSet(frame);
			case "presence.subscribe" -> presenceSubscribe(frame);
			case "typing.start" -> typing(frame, TypingAction.START);
			case "typing.renew" -> typing(frame, TypingAction.RENEW);
			case "typing.stop" -> typing(frame, TypingAction.STOP);
			case "receipt.delivered" -> receipt(frame, false);
			case "receipt.read" -> receipt(frame, true);
			default -> new ClientFrame.Invalid("unknown_type", "Unknown frame type '" + abbreviate(type.asString()) + "'",
					ref(frame));
		};
	}

	private ClientFrame edit(JsonNode frame) {
		ClientFrame checked = send(frame);
		if (!(checked instanceof ClientFrame.Send send)) {
			return checked;
		}
		Long seq = positiveLong(frame, "seq");
		Long version = positiveLong(frame, "expectedVersion");
		if (seq == null || version == null || version > Integer.MAX_VALUE) {
			return invalid("edit needs 'seq' and 'expectedVersion' (positive integers)", send.clientMessageId());
		}
		return new ClientFrame.Edit(send.conversationId(), send.clientMessageId(), seq, version.intValue(), send.body(),
				send.ciphertext());
	}

	private ClientFrame delete(JsonNode frame) {
		String clientMessageId = optionalText(frame, "clientMessageId");
		if (!validClientMessageId(clientMessageId)) {
			return invalid("clientMessageId must be well-formed text of 1 to " + MAX_CLIENT_MESSAGE_ID_LENGTH + " code points", null);
		}
		UUID conversationId = uuid(optionalText(frame, "conversationId"));
		Long seq = positiveLong(frame, "seq");
		if (conversationId == null || seq == null) {
			return invalid("delete needs 'conversationId' and 'seq'", clientMessageId);
		}
		return new ClientFrame.Delete(conversationId, clientMessageId, seq);
	}

	private ClientFrame resume(JsonNode frame) {
		JsonNode list = frame.get("conversations");
		if (list != null && list.isArray() && list.size() > MAX_RESUME_CURSORS) {
			return tooManyConversations(list.size(), optionalText(frame, "ref"));
		}
		if (list == null || !list.isArray()) {
			return invalid("resume needs 'conversations': a list of at most " + MAX_RESUME_CURSORS
					+ " {conversationId, afterSeq}", optionalText(frame, "ref"));
		}
		java.util.List<ClientFrame.Cursor> cursors = new java.util.ArrayList<>();
		for (JsonNode item : list) {
			UUID conversationId = item.isObject() ? uuid(optionalText(item, "conversationId")) : null;
			JsonNode after = item.isObject() ? item.get("afterSeq") : null;
			if (conversationId == null || after == null || !after.canConvertToLong() || !after.isIntegralNumber() || after.asLong() < 0) {
				return invalid("each resume entry needs 'conversationId' and 'afterSeq' (0 or more)", optionalText(frame, "ref"));
			}
			cursors.add(new ClientFrame.Cursor(conversationId, after.asLong()));
		}
		return new ClientFrame.Resume(oldestPerConversation(cursors));
	}

	private ClientFrame fetch(JsonNode frame) {
		String ref = ref(frame);
		UUID conversationId = uuid(optionalText(frame, "conversationId"));
		JsonNode after = frame.get("afterSeq");
		JsonNode limit = frame.get("limit");
		if (conversationId == null || after == null || !after.isIntegralNumber() || !after.canConvertToLong() || after.asLong() < 0) {
			return invalid("fetch needs 'conversationId' and 'afterSeq' (0 or more)", ref);
		}
		int max = limit == null ? MAX_FETCH : (limit.isIntegralNumber() && limit.canConvertToInt() ? limit.asInt() : -1);
		if (max < 1 || max > MAX_FETCH) {
			return invalid("limit must be between 1 and " + MAX_FETCH, ref);
		}
		return new ClientFrame.Fetch(conversationId, after.asLong(), max, ref);
	}

	/** One cursor per conversation: the oldest, so that nothing the client asked for is skipped. */
	private static java.util.List<ClientFrame.Cursor> oldestPerConversation(java.util.List<ClientFrame.Cursor> cursors) {
		java.util.Map<UUID, Long> oldest = new java.util.LinkedHashMap<>();
		cursors.forEach(c -> oldest.merge(c.conversationId(), c.afterSeq(), Math::min));
		return oldest.entrySet().stream().map(e -> new ClientFrame.Cursor(e.getKey(), e.getValue())).toList();
	}

	private static Long positiveLong(JsonNode frame, String field) {
		JsonNode value = frame.get(field);
		return value != null && value.isIntegralNumber() && value.canConvertToLong() && value.asLong() > 0 ? value.asLong() : null;
	}

	/** 1–64 code points of well-formed text: ids travel through Kafka as UTF-8 and must come back identical. */
	private static boolean validClientMessageId(String id) {
		return id != null && !id.isEmpty() && io.parley.shared.Text.isWellFormed(id)
				&& id.codePointCount(0, id.length()) <= MAX_CLIENT_MESSAGE_ID_LENGTH;
	}

	private ClientFrame send(JsonNode frame) {
		String clientMessageId = optionalText(frame, "clientMessageId");
		if (!validClientMessageId(clientMessageId)) {
			return invalid("clientMessageId must be well-formed text of 1 to " + MAX_CLIENT_MESSAGE_ID_LENGTH + " code points", null);
		}
		UUID conversationId = uuid(optionalText(frame, "conversationId"));
		if (conversationId == null) {
			return invalid("conversationId must be a conversation id (UUID)", clientMessageId);
		}
		byte[] ciphertext = null;
		JsonNode encrypted = frame.get("ciphertext");
		if (encrypted != null && !encrypted.isNull()) {
			// Opaque to Parley: only its encoding and size are checked, never its content.
			try {
				// A Protobuf frame's bytes arrive as a binary node; JSON carries standard base64.
				ciphertext = encrypted.isBinary() ? encrypted.binaryValue()
						: encrypted.isString() ? java.util.Base64.getDecoder().decode(encrypted.asString()) : null;
			}
			catch (IllegalArgumentException notBase64) {
				ciphertext = null;
			}
			if (ciphertext == null || ciphertext.length == 0) {
				return invalid("ciphertext must be a non-empty string of standard base64", clientMessageId);
			}
			if (ciphertext.length > settings.maxCiphertextBytes().toBytes()) {
				return new ClientFrame.Invalid("ciphertext_too_large", "The ciphertext has " + ciphertext.length
						+ " bytes; the limit is " + settings.maxCiphertextBytes().toBytes(), clientMessageId);
			}
		}
		String body = optionalText(frame, "body");
		JsonNode rawBody = frame.get("body");
		if (ciphertext != null && (rawBody == null || rawBody.isNull())) {
			return new ClientFrame.Send(conversationId, clientMessageId, null, ciphertext);
		}
		if (body == null || body.isBlank()) {
			return invalid("body must contain at least one character that is not white space (or leave it out and send a "
					+ "ciphertext)", clientMessageId);
		}
		if (!io.parley.shared.Text.isWellFormed(body)) {
			// The same rule as REST: NUL and unpaired surrogates are refused, never stored.
			return invalid("body is not valid text (it contains NUL or an unpaired surrogate)", clientMessageId);
		}
		int codePoints = body.codePointCount(0, body.length());
		if (codePoints > settings.maxBodyCodePoints()) {
			return new ClientFrame.Invalid("message_too_long", "The body has " + codePoints + " code points; the limit is "
					+ settings.maxBodyCodePoints(), clientMessageId);
		}
		return new ClientFrame.Send(conversationId, clientMessageId, body, ciphertext);
	}

	/**
	 * Resume positions given at the handshake: {@code /ws?access_token=…&resume=<conv>:<seq>,<conv>:<seq>}.
	 * Null when absent.
	 */
	ClientFrame decodeResumeParameter(java.net.URI uri) {
		String value = org.springframework.web.util.UriComponentsBuilder.fromUri(uri).build().getQueryParams().getFirst("resume");
		if (value == null || value.isBlank()) {
			return null;
		}
		return decodeCursor(java.net.URLDecoder.decode(value, java.nio.charset.StandardCharsets.UTF_8));
	}

	/**
	 * A resume cursor in its text form {@code conversationId:afterSeq,...}, as every transport takes it
	 * (WebSocket {@code resume=}, SSE {@code Last-Event-ID}, long-poll {@code cursor=}): a
	 * {@link ClientFrame.Resume}, {@link ClientFrame.Invalid}, or {@code null} when blank.
	 */
	ClientFrame decodeCursor(String value) {
		if (value == null || value.isBlank()) {
			return null;
		}
		String[] items = value.split(",");
		if (items.length > MAX_RESUME_CURSORS) {
			return tooManyConversations(items.length, null);
		}
		java.util.List<ClientFrame.Cursor> cursors = new java.util.ArrayList<>();
		for (String item : items) {
			String[] parts = item.split(":");
			UUID conversationId = parts.length == 2 ? uuid(parts[0]) : null;
			long afterSeq;
			try {
				afterSeq = parts.length == 2 ? Long.parseLong(parts[1]) : -1;
			}
			catch (NumberFormatException e) {
				afterSeq = -1;
			}
			if (conversationId == null || afterSeq < 0) {
				return invalid("resume must be a comma-separated list of <conversationId>:<afterSeq>", null);
			}
			cursors.add(new ClientFrame.Cursor(conversationId, afterSeq));
		}
		return new ClientFrame.Resume(oldestPerConversation(cursors));
	}

	private static ClientFrame.Invalid tooManyConversations(int count, String ref) {
		return new ClientFrame.Invalid("too_many_conversations", "resume names " + count + " conversations; the limit is "
				+ MAX_RESUME_CURSORS + " per frame (send the rest in another resume frame)", ref);
	}

	/** An access token is long but bounded: a JWT of Parley's is well under 1 KB. */
	static final int MAX_TOKEN_LENGTH = 4096;

	private ClientFrame auth(JsonNode frame) {
		String ref = ref(frame);
		String token = optionalText(frame, "token");
		if (token == null || token.isBlank() || token.length() > MAX_TOKEN_LENGTH) {
			return invalid("auth needs 'token': an access token (at most " + MAX_TOKEN_LENGTH + " characters)", ref);
		}
		return new ClientFrame.Auth(token, ref);
	}

	private ClientFrame presenceSet(JsonNode frame) {
		String ref = ref(frame);
		String status = optionalText(frame, "status");
		if (!"away".equals(status) && !"online".equals(status)) {
			return invalid("status must be 'away' or 'online'", ref);
		}
		return new ClientFrame.PresenceSet("away".equals(status), ref);
	}

	/** Only the shape is checked here; how many ids one may watch is the presence module's rule. */
	private ClientFrame presenceSubscribe(JsonNode frame) {
		String ref = ref(frame);
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
		String ref = ref(frame);
		UUID conversationId = uuid(optionalText(frame, "conversationId"));
		if (conversationId == null) {
			return invalid("conversationId must be a conversation id (UUID)", ref);
		}
		return new ClientFrame.Typing(action, conversationId, ref);
	}

	private ClientFrame receipt(JsonNode frame, boolean read) {
		String ref = ref(frame);
		UUID conversationId = uuid(optionalText(frame, "conversationId"));
		Long seq = positiveLong(frame, "seq");
		if (conversationId == null || seq == null) {
			return invalid("a receipt needs 'conversationId' and 'seq' (a positive integer)", ref);
		}
		return new ClientFrame.Receipt(conversationId, seq, read, ref);
	}

	/** Counted: {@link OutboundFrame} calls this at most once per frame, however many connections get it. */
	String encode(ServerFrame frame) {
		encoded.count(EncodedFrames.JSON, frame);
		return json.writerFor(ServerFrame.class).writeValueAsString(frame);
	}

	private static ClientFrame.Invalid invalid(String message, String ref) {
		return new ClientFrame.Invalid("validation_failed", message, ref);
	}

	private static String optionalText(JsonNode frame, String field) {
		JsonNode value = frame.get(field);
		return value != null && value.isString() ? value.asString() : null;
	}

	/** A correlation ref is echoed back exactly, so only well-formed text of at most 64 code points is kept. */
	private static String ref(JsonNode frame) {
		String ref = optionalText(frame, "ref");
		return ref != null && validClientMessageId(ref) ? ref : null;
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


	private static String abbreviate(String s) {
		return s.length() <= 40 ? s : s.substring(0, 40) + "…";
	}
}
