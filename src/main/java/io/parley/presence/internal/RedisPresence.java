package io.parley.presence.internal;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import io.parley.groups.Conversations;
import io.parley.presence.LiveSignal;
import io.parley.presence.Presence;
import io.parley.presence.PresenceSettings;
import io.parley.presence.PresenceState;
import io.parley.presence.TooManyUsers;
import io.parley.presence.UserPresence;
import io.parley.presence.internal.LocalFeeds.Versioned;
import io.parley.shared.Blocking;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.Limit;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Service;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Presence in Redis. Per user a sorted set {@code parley:presence:<user>} of device connections
 * scored by the time their entry expires, a set {@code parley:presence:away:<user>} of the devices
 * reported idle, and a hash {@code parley:presence:state:<user>} holding the last announced state,
 * its version and the last-seen time. A global sorted set {@code parley:presence:online} scores each
 * online user by their latest expiry, so that any node's sweeper finds users whose node died
 * without a word.
 * <p>
 * Every change runs one Lua script that applies it, drops expired entries, recomputes the state
 * and compares it with the last announced one. Being atomic, two nodes sweeping the same user, or
 * a renewal racing a sweep, announce a transition exactly once, with a version one higher.
 */
@Service
class RedisPresence implements Presence {

	private static final Logger log = LoggerFactory.getLogger(RedisPresence.class);

	static final String CHANNEL = "parley:presence";
	static final String ONLINE_INDEX = "parley:presence:online";
	private static final int SWEEP_BATCH = 200;

	/** What travels on the channel: a state already stripped of a hidden last-seen time. */
	record Change(UUID userId, String status, Long lastSeen, long version) {

		Versioned versioned() {
			return new Versioned(new UserPresence(userId, PresenceState.fromWire(status),
					lastSeen == null ? null : Instant.ofEpochMilli(lastSeen)), version);
		}
	}

	// KEYS: devices, away, state, online index. ARGV: op, now (ms), ttl (ms), connection id, user id.
	// Returns "changed|status|version|lastSeen" (changed is 1 or 0; lastSeen empty unless offline).
	private static final RedisScript<String> APPLY = RedisScript.of("""
			local devices, away, state, index = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
			local op, now, ttl, conn, user = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5]
			if op == 'live' then
			  redis.call('ZADD', devices, now + ttl, conn)
			elseif op == 'gone' then
			  redis.call('ZREM', devices, conn)
			  redis.call('SREM', away, conn)
			elseif op == 'away' then
			  redis.call('SADD', away, conn)
			elseif op == 'back' then
			  redis.call('SREM', away, conn)
			end
			-- drop expired entries, remembering when the last of them expired (last seen after a silent death)
			local lastExpiry = nil
			local expired = redis.call('ZRANGEBYSCORE', devices, '-inf', '(' .. ARGV[2], 'WITHSCORES')
			for i = 1, #expired, 2 do
			  redis.call('SREM', away, expired[i])
			  local at = tonumber(expired[i + 1])
			  if lastExpiry == nil or at > lastExpiry then lastExpiry = at end
			end
			if #expired > 0 then redis.call('ZREMRANGEBYSCORE', devices, '-inf', '(' .. ARGV[2]) end
			local live = redis.call('ZRANGE', devices, 0, -1, 'WITHSCORES')
			local status, latest = 'offline', 0
			for i = 1, #live, 2 do
			  local at = tonumber(live[i + 1])
			  if at > latest then latest = at end
			  if redis.call('SISMEMBER', away, live[i]) == 0 then status = 'online'
			  elseif status == 'offline' then status = 'away' end
			end
			if status == 'offline' then
			  redis.call('DEL', devices, away)
			  redis.call('ZREM', index, user)
			else
			  -- the keys outlive their latest entry a little: nodes may run with different TTLs
			  local keep = latest - now + 1000
			  redis.call('PEXPIRE', devices, keep)
			  if redis.call('EXISTS', away) == 1 then redis.call('PEXPIRE', away, keep) end
			  redis.call('ZADD', index, latest, user)
			end
			local before = redis.call('HGET', state, 'status') or 'offline'
			local version = redis.call('HGET', state, 'version') or '0'
			local lastSeen = redis.call('HGET', state, 'lastSeen') or ''
			if status == before then return '0|' .. status .. '|' .. version .. '|' .. lastSeen end
			version = redis.call('HINCRBY', state, 'version', 1)
			lastSeen = ''
			if status == 'offline' then
			  if op == 'gone' or lastExpiry == nil then lastSeen = ARGV[2] else lastSeen = string.format('%d', lastExpiry) end
			end
			redis.call('HSET', state, 'status', status, 'lastSeen', lastSeen)
			redis.call('PEXPIRE', state, 2592000000)
			return '1|' .. status .. '|' .. version .. '|' .. lastSeen
			""", String.class);

	private final ReactiveStringRedisTemplate redis;
	private final PresenceSettings settings;
	private final Clock clock;
	private final Conversations conversations;
	private final PrivacySettings privacy;
	private final LocalFeeds feeds;
	private final JsonMapper json;

	RedisPresence(ReactiveStringRedisTemplate redis, PresenceSettings settings, Clock clock, Conversations conversations,
			PrivacySettings privacy, LocalFeeds feeds, JsonMapper json) {
		this.redis = redis;
		this.settings = settings;
		this.clock = clock;
		this.conversations = conversations;
		this.privacy = privacy;
		this.feeds = feeds;
		this.json = json;
	}

	@Override
	public Mono<Void> deviceLive(UUID userId, String connectionId) {
		return apply("live", userId, connectionId).then();
	}

	@Override
	public Mono<Void> deviceGone(UUID userId, String connectionId) {
		return apply("gone", userId, connectionId).then();
	}

	@Override
	public Mono<Void> setAway(UUID userId, String connectionId, boolean away) {
		return apply(away ? "away" : "back", userId, connectionId).then();
	}

	@Override
	public Mono<List<UserPresence>> lookup(UUID viewer, Collection<UUID> userIds) {
		return visible(viewer, userIds).flatMap(users -> states(viewer, users))
			.map(states -> states.stream().map(Versioned::presence).toList());
	}

	@Override
	public Mono<Void> watch(String connectionId, UUID viewer, Collection<UUID> userIds, String ref) {
		return visible(viewer, userIds).flatMap(users -> {
			if (!feeds.startWatching(connectionId, users)) {
				return Mono.empty();
			}
			return states(viewer, users).doOnNext(states -> feeds.snapshot(connectionId, states, ref)).then();
		});
	}

	@Override
	public Flux<LiveSignal> signals(UUID userId, String connectionId) {
		return feeds.open(userId, connectionId);
	}

	@Override
	public Mono<Boolean> hidesLastSeen(UUID userId) {
		return Blocking.call(() -> !privacy.hidingLastSeen(Set.of(userId)).isEmpty());
	}

	@Override
	public Mono<Void> hideLastSeen(UUID userId, boolean hide) {
		return Blocking.run(() -> privacy.hideLastSeen(userId, hide));
	}

	/** Announces users whose devices all expired: their node died or lost its connection to Redis. */
	Mono<Void> sweep() {
		return redis.opsForZSet()
			.rangeByScore(ONLINE_INDEX, Range.closed(0d, (double) clock.millis()), Limit.limit().count(SWEEP_BATCH))
			.flatMap(user -> apply("peek", UUID.fromString(user), ""))
			.then();
	}

	/** The asked users (duplicates removed, order kept) that the viewer may see: themselves and co-members. */
	private Mono<List<UUID>> visible(UUID viewer, Collection<UUID> userIds) {
		Set<UUID> asked = new LinkedHashSet<>(userIds);
		if (asked.size() > settings.maxUsers()) {
			return Mono.error(new TooManyUsers(asked.size(), settings.maxUsers()));
		}
		if (asked.isEmpty()) {
			return Mono.just(List.of());
		}
		return Blocking.call(() -> {
			Set<UUID> allowed = conversations.sharingAConversationNow(viewer, asked);
			return asked.stream().filter(user -> user.equals(viewer) || allowed.contains(user)).toList();
		});
	}

	/** Current states, read through the script, so a lapsed user is announced offline right here. */
	private Mono<List<Versioned>> states(UUID viewer, List<UUID> users) {
		return Flux.fromIterable(users)
			.flatMapSequential(user -> apply("peek", user, ""))
			.collectList()
			.flatMap(states -> {
				List<UUID> withLastSeen = states.stream()
					.map(Versioned::presence)
					.filter(p -> p.lastSeen() != null && !p.userId().equals(viewer))
					.map(UserPresence::userId)
					.toList();
				if (withLastSeen.isEmpty()) {
					return Mono.just(states);
				}
				return Blocking.call(() -> privacy.hidingLastSeen(withLastSeen)).map(hiding -> {
					List<Versioned> shown = new ArrayList<>(states.size());
					for (Versioned state : states) {
						shown.add(hiding.contains(state.presence().userId()) ? withoutLastSeen(state) : state);
					}
					return shown;
				});
			});
	}

	private Mono<Versioned> apply(String op, UUID userId, String connectionId) {
		long now = clock.millis();
		return redis.execute(APPLY, List.of(devicesKey(userId), awayKey(userId), stateKey(userId), ONLINE_INDEX),
				List.of(op, Long.toString(now), Long.toString(settings.ttl().toMillis()), connectionId, userId.toString()))
			.next()
			.flatMap(reply -> {
				String[] parts = reply.split("\\|", -1);
				Versioned state = new Versioned(new UserPresence(userId, PresenceState.fromWire(parts[1]),
						parts[3].isEmpty() ? null : Instant.ofEpochMilli(Long.parseLong(parts[3]))), Long.parseLong(parts[2]));
				return "1".equals(parts[0]) ? announce(state).thenReturn(state) : Mono.just(state);
			});
	}

	/** Publishes a transition to every node; a hidden last-seen time never leaves this method. */
	private Mono<Void> announce(Versioned state) {
		Mono<Versioned> shown = state.presence().lastSeen() == null ? Mono.just(state)
				: Blocking.call(() -> privacy.hidingLastSeen(Set.of(state.presence().userId())))
					.map(hiding -> hiding.isEmpty() ? state : withoutLastSeen(state));
		return shown.flatMap(s -> {
			UserPresence p = s.presence();
			Change change = new Change(p.userId(), p.status().wireName(),
					p.lastSeen() == null ? null : p.lastSeen().toEpochMilli(), s.version());
			return redis.convertAndSend(CHANNEL, json.writeValueAsString(change));
		}).onErrorResume(e -> {
			// A lost hint: watchers are corrected by their next subscription or query.
			log.warn("Could not announce presence of user {}", state.presence().userId(), e);
			return Mono.empty();
		}).then();
	}

	private static Versioned withoutLastSeen(Versioned state) {
		UserPresence p = state.presence();
		return new Versioned(new UserPresence(p.userId(), p.status(), null), state.version());
	}

	static String devicesKey(UUID userId) {
		return "parley:presence:" + userId;
	}

	private static String awayKey(UUID userId) {
		return "parley:presence:away:" + userId;
	}

	private static String stateKey(UUID userId) {
		return "parley:presence:state:" + userId;
	}
}
