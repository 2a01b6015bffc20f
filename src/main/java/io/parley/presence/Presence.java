package io.parley.presence;

import java.util.Collection;
import java.util.List;
import java.util.UUID;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The presence module's public API for the gateway and the REST layer. Presence is never stored as
 * history: it lives in Redis with TTLs, and changes travel as Redis pub/sub hints.
 */
public interface Presence {

	/** Marks one device connection live until the TTL; call again every refresh interval to keep it live. */
	Mono<Void> deviceLive(UUID userId, String connectionId);

	/** The device said goodbye (a normal close): it stops counting at once, so the user may go offline now. */
	Mono<Void> deviceGone(UUID userId, String connectionId);

	/** The client reports this device idle (away) or active again. */
	Mono<Void> setAway(UUID userId, String connectionId, boolean away);

	/**
	 * The presence of those users the viewer may see (themselves and anyone sharing a conversation
	 * with them), in the order asked; others are left out. Fails with {@link TooManyUsers} above the limit.
	 */
	Mono<List<UserPresence>> lookup(UUID viewer, Collection<UUID> userIds);

	/**
	 * Replaces what this connection watches: it gets a {@link LiveSignal.PresenceSnapshot} of the
	 * visible users on its feed, then a {@link LiveSignal.PresenceChanged} for each later change.
	 * Fails with {@link TooManyUsers} above the limit.
	 */
	Mono<Void> watch(String connectionId, UUID viewer, Collection<UUID> userIds, String ref);

	/**
	 * The feed of one connection: presence it watches and typing of others in the user's
	 * conversations, from any node. Subscribe once per connection; cancel when it closes.
	 */
	Flux<LiveSignal> signals(UUID userId, String connectionId);

	/** Whether the user hides their last-seen time from others. */
	Mono<Boolean> hidesLastSeen(UUID userId);

	Mono<Void> hideLastSeen(UUID userId, boolean hide);
}
