package io.parley.identity;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the identity module ({@code parley.identity.*}).
 *
 * @param jwtSecret the HMAC-SHA256 key that signs access tokens, base64, at least 32 bytes; every node
 *     of one deployment must share it
 * @param issuer the {@code iss} claim written and required
 * @param accessTokenTtl how long an access token is valid; short, because a stolen one cannot be
 *     revoked before it expires (the refresh token can)
 * @param refreshTokenTtl how long a refresh token stays usable when not used; each refresh issues a
 *     new one with this lifetime
 * @param admins user ids with the {@code ADMIN} role (the Actuator endpoints beyond health and info);
 *     ids, not usernames, so nobody becomes an admin by registering a configured name first
 */
@ConfigurationProperties("parley.identity")
public record IdentitySettings(String jwtSecret, @DefaultValue("parley") String issuer,
		@DefaultValue("15m") Duration accessTokenTtl, @DefaultValue("30d") Duration refreshTokenTtl,
		@DefaultValue List<UUID> admins) {

	public IdentitySettings {
		if (jwtSecret == null || jwtSecret.isBlank()) {
			throw new IllegalArgumentException(
					"parley.identity.jwt-secret is not set: give every node the same random base64 key of at least 32 bytes "
							+ "(environment variable PARLEY_JWT_SECRET, e.g. from `openssl rand -base64 48`)");
		}
		if (secretBytes(jwtSecret).length < 32) {
			throw new IllegalArgumentException("parley.identity.jwt-secret must decode to at least 32 bytes (256 bits)");
		}
	}

	public boolean isAdmin(UUID userId) {
		return admins != null && admins.contains(userId);
	}

	public byte[] secretBytes() {
		return secretBytes(jwtSecret);
	}

	private static byte[] secretBytes(String secret) {
		try {
			return Base64.getDecoder().decode(secret.trim());
		}
		catch (IllegalArgumentException notBase64) {
			return secret.getBytes(StandardCharsets.UTF_8);
		}
	}
}
