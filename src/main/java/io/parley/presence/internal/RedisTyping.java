package io.parley.presence.internal;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.parley.groups.Conversations;
import io.parley.presence.PresenceSettings;
import io.parley.presence.Typing;
import io.parley.presence.TypingAction;
import io.parley.presence.TypingOutcome;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Service;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Typing in Redis. A global sorted set {@code parley:typing:deadlines} holds one member
 * {@code <conversation>:<user>} per active typist, scored by the time the state expires; a key
 * {@code parley:typing:relayed:<conversation>:<user>} holds when a start or renewal was last passed on,
 * which is the throttle. Both live in Redis, not in a node's memory, so a typist whose node dies
 * or restarts is still stopped by whichever node sweeps next (fault B01).
 * <p>
 * Times come from the injected clock, never from Redis TTLs, so a test can compress a minute of
 * typing into moments; Redis TTLs only collect garbage.
 */
@Service
class RedisTyping implements Typing {

	private static final Logger log = LoggerFactory.getLogger(RedisTyping.class);

	static final String CHANNEL = "parley:typing";
	static final String DEADLINES = "parley:typing:deadlines";
	private static final int SWEEP_BATCH = 200;

	/** What travels on the channel. */
	record Notice(UUID conversationId, UUID userId, String action, String reason) {
	}

	// KEYS: relayed, deadlines. ARGV: now, interval, expiry, member, garbage TTL (ms).
	// A start or renewal within the interval after the last one passed on is dropped (an active
	// state is still extended, so a steady typist never expires); otherwise it is passed on as
	// "start" if no state was active, else "renew".
	private static final RedisScript<String> KEEP = RedisScript.of("""
			local now, interval, expiry = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
			local deadline = redis.call('ZSCORE', KEYS[2], ARGV[4])
			local active = deadline and tonumber(deadline) >= now
			local last = redis.call('GET', KEYS[1])
			if last and now - tonumber(last) < interval then
			  if active then redis.call('ZADD', KEYS[2], now + expiry, ARGV[4]) end
			  return 'drop'
			end
			redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[5])
			redis.call('ZADD', KEYS[2], now + expiry, ARGV[4])
			if active then return 'renew' end
			return 'start'
			""", String.class);

	// KEYS: deadlines. ARGV: now, batch. Takes the due states out in one step, so exactly one node
	// announces each; returns their members joined by commas.
	private static final RedisScript<String> DUE = RedisScript.of("""
			local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
			if #due > 0 then redis.call('ZREM', KEYS[1], unpack(due)) end
			return table.concat(due, ',')
			""", String.class);

	private final ReactiveStringRedisTemplate redis;
	private final PresenceSettings settings;
	private final Clock clock;
	private final Conversations conversations;
	private final JsonMapper json;
	/** Which conversations each local connection is typing in, to stop them when it closes. */
	private final Map<String, Set<UUID>> typingBy = new ConcurrentHashMap<>();
	private final Counter framesIn;
	private final Counter relayed;
	private final Counter dropped;
	private final Counter refused;
	private final Counter expired;

	RedisTyping(ReactiveStringRedisTemplate redis, PresenceSettings settings, Clock clock, Conversations conversations,
			JsonMapper json, MeterRegistry meters) {
		this.redis = redis;
		this.settings = settings;
		this.clock = clock;
		this.conversations = conversations;
		this.json = json;
		this.framesIn = Counter.builder("parley.typing.frames.in").description("Typing frames received").register(meters);
		this.relayed = outcome(meters, "relayed");
		this.dropped = outcome(meters, "dropped");
		this.refused = outcome(meters, "refused");
		this.expired = Counter.builder("parley.typing.expired")
			.description("Typing states the server stopped because they were not renewed in time")
			.register(meters);
	}

	private static Counter outcome(MeterRegistry meters, String outcome) {
		return Counter.builder("parley.typing.frames")
			.description("Typing frames by what became of them")
			.tag("outcome", outcome)
			.register(meters);
	}

	@Override
	public Mono<TypingOutcome> typing(UUID userId, String connectionId, UUID conversationId, TypingAction action) {
		framesIn.increment();
		Mono<TypingOutcome> outcome = action == TypingAction.STOP ? stopFrame(userId, connectionId, conversationId)
				: keep(userId, connectionId, conversationId);
		return outcome.doOnNext(this::count).onErrorResume(e -> {
			log.warn("Typing frame of user {} in {} failed", userId, conversationId, e);
			dropped.increment();
			return Mono.just(TypingOutcome.DROPPED);
		});
	}

	private Mono<TypingOutcome> keep(UUID userId, String connectionId, UUID conversationId) {
		long now = clock.millis();
		String member = member(conversationId, userId);
		return redis.execute(KEEP, List.of(relayedKey(conversationId, userId), DEADLINES),
				List.of(Long.toString(now), Long.toString(settings.typingInterval().toMillis()),
						Long.toString(settings.typingExpiry().toMillis()), member,
						Long.toString(settings.typingExpiry().multipliedBy(5).toMillis())))
			.next()
			.flatMap(decision -> {
				if ("drop".equals(decision)) {
					return Mono.just(TypingOutcome.DROPPED);
				}
				// Membership is checked only for frames that would be passed on: at most one look-up per interval.
				return conversations.isMember(conversationId, userId).flatMap(isMember -> {
					if (!isMember) {
						// Forget what the script wrote, throttle included: every non-member frame is answered.
						return redis.opsForZSet().remove(DEADLINES, member)
							.then(redis.delete(relayedKey(conversationId, userId)))
							.thenReturn(TypingOutcome.NOT_A_MEMBER);
					}
					typingBy.computeIfAbsent(connectionId, c -> ConcurrentHashMap.newKeySet()).add(conversationId);
					TypingAction action = "start".equals(decision) ? TypingAction.START : TypingAction.RENEW;
					return publish(new Notice(conversationId, userId, action.wireName(), null)).thenReturn(TypingOutcome.RELAYED);
				});
			});
	}

	private Mono<TypingOutcome> stopFrame(UUID userId, String connectionId, UUID conversationId) {
		forget(connectionId, conversationId);
		return stop(userId, conversationId, "stopped").flatMap(stopped -> stopped ? Mono.just(TypingOutcome.RELAYED)
				: conversations.isMember(conversationId, userId)
					.map(isMember -> isMember ? TypingOutcome.DROPPED : TypingOutcome.NOT_A_MEMBER));
	}

	@Override
	public Mono<Void> messageSent(UUID userId, UUID conversationId) {
		return stop(userId, conversationId, "sent").then().onErrorResume(e -> Mono.empty());
	}

	@Override
	public Mono<Void> connectionClosed(UUID userId, String connectionId) {
		Set<UUID> typing = typingBy.remove(connectionId);
		if (typing == null) {
			return Mono.empty();
		}
		return Flux.fromIterable(typing).concatMap(c -> stop(userId, c, "disconnected")).then().onErrorResume(e -> Mono.empty());
	}

	/** Ends an active state and announces it; false if there was none (already stopped or expired). */
	private Mono<Boolean> stop(UUID userId, UUID conversationId, String reason) {
		return redis.opsForZSet().remove(DEADLINES, member(conversationId, userId)).flatMap(removed -> removed > 0
				? publish(new Notice(conversationId, userId, TypingAction.STOP.wireName(), reason)).thenReturn(true)
				: Mono.just(false));
	}

	/** Stops every typing state whose deadline passed, wherever its typist was connected. */
	Mono<Void> sweep() {
		return redis.execute(DUE, List.of(DEADLINES), List.of(Long.toString(clock.millis()), Integer.toString(SWEEP_BATCH)))
			.flatMapIterable(due -> due.isEmpty() ? List.<String>of() : List.of(due.split(",")))
			.concatMap(member -> {
				int colon = member.indexOf(':');
				expired.increment();
				return publish(new Notice(UUID.fromString(member.substring(0, colon)), UUID.fromString(member.substring(colon + 1)),
						TypingAction.STOP.wireName(), "expired"));
			})
			.then();
	}

	private void count(TypingOutcome outcome) {
		switch (outcome) {
			case RELAYED -> relayed.increment();
			case DROPPED -> dropped.increment();
			case NOT_A_MEMBER -> refused.increment();
		}
	}

	private void forget(String connectionId, UUID conversationId) {
		typingBy.computeIfPresent(connectionId, (c, set) -> {
			set.remove(conversationId);
			return set.isEmpty() ? null : set;
		});
	}

	private Mono<Void> publish(Notice notice) {
		return redis.convertAndSend(CHANNEL, json.writeValueAsString(notice)).then();
	}

	private static String member(UUID conversationId, UUID userId) {
		return conversationId + ":" + userId;
	}

	private static String relayedKey(UUID conversationId, UUID userId) {
		return "parley:typing:relayed:" + conversationId + ":" + userId;
	}
}
