package io.parley.presence;

import java.util.Collection;
import java.util.Map;
import java.util.UUID;

import reactor.core.publisher.Mono;

/** The presence module's public API. */
public interface Presence {

	/** Marks one device connection live until the TTL; call again every refresh interval to keep it live. */
	Mono<Void> deviceLive(UUID userId, String connectionId);

	/** The device connection closed cleanly: it stops counting at once. */
	Mono<Void> deviceGone(UUID userId, String connectionId);

	Mono<Map<UUID, PresenceStatus>> statusOf(Collection<UUID> userIds);
}
