package io.parley.identity;

import java.util.UUID;

/**
 * A user's login ended before its tokens expired: a logout, or a refresh token presented after it
 * had been rotated (a stolen copy). Live connections authenticated by it must end.
 *
 * @param loginId the login (refresh token family, the {@code sid} claim of its access tokens) that
 *     ended, or {@code null} for every login of the user
 */
public record SignedOut(UUID userId, UUID loginId) {
}
