package io.parley.presence.internal;

import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import io.parley.presence.Presence;
import io.parley.presence.PresenceSettings;
import io.parley.presence.PresenceStatus;

import org.springframework.data.domain.Range;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Service;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Presence in Redis. Per user a sorted set {@code parley:presence:<user>} whose members are device
 * connections scored by the time their entry expires; the key itself carries the TTL too, so a user
 * whose node died without a word disappears by expiry. Online means "an entry that has not expired".
 */
@Service
class RedisPresence implements Presence {

	private final ReactiveStringRedisTemplate redis;
	private final PresenceSettings settings;
	private final Clock clock;

	RedisPresence(ReactiveStringRedisTemplate redis, PresenceSettings settings, Clock clock) {
		this.redis = redis;
		this.settings = settings;
		this.clock = clock;
	}

	@Override
	public Mono<Void> deviceLive(UUID userId, String connectionId) {
		long expiresAt = clock.millis() + settings.ttl().toMillis();
		String key = devicesKey(userId);
		return redis.opsForZSet()
			.add(key, connectionId, expiresAt)
			.then(redis.expire(key, settings.ttl()))
			.then();
	}

	@Override
	public Mono<Void> deviceGone(UUID userId, String connectionId) {
		return redis.opsForZSet()
			.remove(devicesKey(userId), connectionId)
			.then(redis.opsForValue().set(lastSeenKey(userId), Long.toString(clock.millis())))
			.then();
	}

	@Override
	public Mono<Map<UUID, PresenceStatus>> statusOf(Collection<UUID> userIds) {
		long now = clock.millis();
		return Flux.fromIterable(userIds)
			.concatMap(user -> redis.opsForZSet()
				.count(devicesKey(user), Range.closed((double) now, Double.MAX_VALUE))
				.zipWith(redis.opsForValue().get(lastSeenKey(user)).map(Long::parseLong).map(Instant::ofEpochMilli)
					.map(java.util.Optional::of).defaultIfEmpty(java.util.Optional.empty()))
				.map(t -> Map.entry(user, new PresenceStatus(t.getT1() > 0, t.getT1() > 0 ? null : t.getT2().orElse(null)))))
			.collect(LinkedHashMap::new, (map, e) -> map.put(e.getKey(), e.getValue()));
	}

	private static String devicesKey(UUID userId) {
		return "parley:presence:" + userId;
	}

	private static String lastSeenKey(UUID userId) {
		return "parley:lastseen:" + userId;
	}
}
