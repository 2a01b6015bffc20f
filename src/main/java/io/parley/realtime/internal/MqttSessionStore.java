package io.parley.realtime.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.parley.realtime.MqttSettings;

import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

import reactor.core.publisher.Mono;

/**
 * Persistent MQTT sessions (clean session = false) in Redis, so a client that reconnects to any node
 * finds its subscriptions and resumes every conversation from its cursor. One hash per user and
 * client id, {@code parley:mqtt:session:{userId}:{clientId}}: field {@code s:<topic filter>} holds the
 * granted QoS, field {@code c:<conversationId>} the highest seq the client has (acknowledged with
 * PUBACK at QoS 1, written at QoS 0). The hash expires {@code parley.mqtt.session-expiry} after the
 * last change or connect. Keying by user as well as client id keeps one user from reading or
 * clearing another's session by guessing a client id.
 */
@Component
class MqttSessionStore {

	/** Cursors only move forward: a late or replayed PUBACK never moves one back. */
	private static final RedisScript<Long> ADVANCE = RedisScript.of("""
			local current = redis.call('HGET', KEYS[1], ARGV[1])
			if not current or tonumber(current) < tonumber(ARGV[2]) then
			  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
			end
			redis.call('PEXPIRE', KEYS[1], ARGV[3])
			return 1
			""", Long.class);

	/** A cursor is set where none is yet (a new subscription starts from the head it saw). */
	private static final RedisScript<Long> START = RedisScript.of("""
			redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
			redis.call('PEXPIRE', KEYS[1], ARGV[3])
			return 1
			""", Long.class);

	/** What a persistent session holds: subscriptions (topic filter → QoS) and cursors. */
	record Stored(Map<String, Integer> subscriptions, Map<UUID, Long> cursors) {

		boolean present() {
			return !subscriptions.isEmpty() || !cursors.isEmpty();
		}
	}

	private final ReactiveStringRedisTemplate redis;
	private final MqttSettings settings;

	MqttSessionStore(ReactiveStringRedisTemplate redis, MqttSettings settings) {
		this.redis = redis;
		this.settings = settings;
	}

	Mono<Stored> load(UUID userId, String clientId) {
		String key = key(userId, clientId);
		return redis.<String, String>opsForHash().entries(key).collectMap(Map.Entry::getKey, Map.Entry::getValue).map(fields -> {
			Map<String, Integer> subscriptions = new HashMap<>();
			Map<UUID, Long> cursors = new HashMap<>();
			fields.forEach((field, value) -> {
				try {
					if (field.startsWith("s:")) {
						subscriptions.put(field.substring(2), Integer.parseInt(value));
					}
					else if (field.startsWith("c:")) {
						cursors.put(UUID.fromString(field.substring(2)), Long.parseLong(value));
					}
				}
				catch (IllegalArgumentException ignored) {
					// not ours: leave it out
				}
			});
			return new Stored(subscriptions, cursors);
		}).flatMap(stored -> redis.expire(key, settings.sessionExpiry()).thenReturn(stored));
	}

	/** A clean session discards whatever was kept for this client id. */
	Mono<Void> discard(UUID userId, String clientId) {
		return redis.delete(key(userId, clientId)).then();
	}

	Mono<Void> subscribed(UUID userId, String clientId, String filter, int qos) {
		String key = key(userId, clientId);
		return redis.opsForHash().put(key, "s:" + filter, Integer.toString(qos)).then(redis.expire(key, settings.sessionExpiry())).then();
	}

	Mono<Void> unsubscribed(UUID userId, String clientId, String filter) {
		return redis.opsForHash().remove(key(userId, clientId), "s:" + filter).then();
	}

	Mono<Void> startCursor(UUID userId, String clientId, UUID conversationId, long seq) {
		return run(START, userId, clientId, conversationId, seq);
	}

	Mono<Void> advanceCursor(UUID userId, String clientId, UUID conversationId, long seq) {
		return run(ADVANCE, userId, clientId, conversationId, seq);
	}

	private Mono<Void> run(RedisScript<Long> script, UUID userId, String clientId, UUID conversationId, long seq) {
		return redis.execute(script, List.of(key(userId, clientId)),
				List.of("c:" + conversationId, Long.toString(seq), Long.toString(settings.sessionExpiry().toMillis()))).then();
	}

	private static String key(UUID userId, String clientId) {
		return "parley:mqtt:session:" + userId + ":" + clientId;
	}
}
