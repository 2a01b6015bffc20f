package io.parley.notifications;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import reactor.core.publisher.Mono;

/** Device push tokens and muted conversations: the notifications module's API for its REST layer. */
public interface PushDevices {

	/** A registered device token; the token itself is not echoed back. */
	record Device(UUID id, String platform, Instant createdAt) {
	}

	/** Fails with {@link PushPlatformUnavailable} for a platform this deployment does not send to. */
	Mono<Device> register(UUID userId, String platform, String token);

	/** Fails with {@code NotFound} when the user has no such device. */
	Mono<Void> unregister(UUID userId, UUID deviceId);

	Mono<List<Device>> devices(UUID userId);

	/** Muted conversations never push (messages still arrive on live sockets and count as unread). */
	Mono<Void> mute(UUID userId, UUID conversationId, boolean muted);
}
