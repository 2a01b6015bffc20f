package io.parley.notifications;

import java.util.UUID;

/**
 * What a push gateway delivers to one device: no message content (the app fetches it once woken,
 * as Signal does), so a push never leaks text of a conversation the user has since left and never
 * needs truncating. {@code count} messages in ({@code firstSeq}..{@code lastSeq}) are new.
 * {@code idempotencyKey} is the same on every retry or re-send of this notification to this device.
 */
public record PushNotification(String idempotencyKey, UUID userId, UUID deviceId, String platform, String token,
		UUID conversationId, long firstSeq, long lastSeq, int count) {
}
