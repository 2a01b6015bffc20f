package io.parley.realtime.internal;

import java.util.UUID;

/**
 * The MQTT topics Parley speaks (see docs/protocol.md, "MQTT"). A topic names either one thing
 * (a conversation's messages or typing, one user's presence, one user's own frames) or, with the
 * single-level wildcard {@code +} in place of the conversation id, all of the user's conversations.
 *
 * @param id the conversation or user named, or {@code null} for the wildcard
 */
record MqttTopic(Kind kind, UUID id) {

	static final String PREFIX = "parley/";

	enum Kind {
		/** {@code parley/conversations/{id}/messages}: the conversation's log entries; publish to send. */
		MESSAGES,
		/** {@code parley/conversations/{id}/typing}: other members' typing; publish start/renew/stop. */
		TYPING,
		/** {@code parley/presence/{userId}}: one user's presence; publish away/online to your own. */
		PRESENCE,
		/** {@code parley/users/{userId}}: everything addressed to you (acks, errors, notices, resumes, ranges). */
		USER
	}

	static MqttTopic messages(UUID conversationId) {
		return new MqttTopic(Kind.MESSAGES, conversationId);
	}

	static MqttTopic typing(UUID conversationId) {
		return new MqttTopic(Kind.TYPING, conversationId);
	}

	static MqttTopic presence(UUID userId) {
		return new MqttTopic(Kind.PRESENCE, userId);
	}

	static MqttTopic user(UUID userId) {
		return new MqttTopic(Kind.USER, userId);
	}

	boolean wildcard() {
		return id == null;
	}

	/**
	 * Parses a topic name (a PUBLISH) or filter (a SUBSCRIBE); {@code null} for anything else. The
	 * wildcard {@code +} is accepted for the conversation id of filters only.
	 */
	static MqttTopic parse(String topic, boolean filter) {
		if (topic == null || !topic.startsWith(PREFIX)) {
			return null;
		}
		String[] levels = topic.substring(PREFIX.length()).split("/", -1);
		if (levels.length == 3 && levels[0].equals("conversations")) {
			Kind kind = levels[2].equals("messages") ? Kind.MESSAGES : levels[2].equals("typing") ? Kind.TYPING : null;
			if (kind == null) {
				return null;
			}
			if (filter && levels[1].equals("+")) {
				return new MqttTopic(kind, null);
			}
			UUID id = uuid(levels[1]);
			return id == null ? null : new MqttTopic(kind, id);
		}
		if (levels.length == 2 && (levels[0].equals("presence") || levels[0].equals("users"))) {
			UUID id = uuid(levels[1]);
			return id == null ? null : new MqttTopic(levels[0].equals("presence") ? Kind.PRESENCE : Kind.USER, id);
		}
		return null;
	}

	/** The topic as clients see it. */
	String name() {
		String id = wildcard() ? "+" : this.id.toString();
		return switch (kind) {
			case MESSAGES -> PREFIX + "conversations/" + id + "/messages";
			case TYPING -> PREFIX + "conversations/" + id + "/typing";
			case PRESENCE -> PREFIX + "presence/" + id;
			case USER -> PREFIX + "users/" + id;
		};
	}

	private static UUID uuid(String text) {
		try {
			UUID id = UUID.fromString(text);
			// Only the canonical form: a topic must name one thing in one way.
			return id.toString().equals(text.toLowerCase(java.util.Locale.ROOT)) ? id : null;
		}
		catch (IllegalArgumentException e) {
			return null;
		}
	}
}
