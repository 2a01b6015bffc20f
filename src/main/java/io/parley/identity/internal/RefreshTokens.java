package io.parley.identity.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

import io.parley.identity.IdentitySettings;
import io.parley.identity.SignedOut;
import io.parley.shared.ParleyException;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Refresh tokens: opaque random values (256 bits, base64url), stored as their SHA-256 only. A login
 * starts a <em>family</em> (its id is the {@code sid} claim of the access tokens it gets); every
 * refresh rotates: the presented token is marked rotated and a new one of the same family issued.
 * Presenting a rotated token again means two parties hold the family (a stolen copy): the whole
 * family is revoked, so the thief and the victim both have to log in again (RFC 9700 §4.14.2).
 * Blocking (JDBC): callers run it on {@link io.parley.shared.Blocking}.
 */
@Component
public class RefreshTokens {

	/** A refresh token handed out: the value (never stored) and the family it belongs to. */
	public record Issued(String token, UUID loginId, UUID userId, Instant expiresAt) {
	}

	/** Refused refreshes: 401 with a stable code. */
	public static final class Refused extends ParleyException {

		public Refused(String code, String detail) {
			super(HttpStatus.UNAUTHORIZED, code, "Refresh refused", detail);
		}
	}

	private static final SecureRandom random = new SecureRandom();

	private final JdbcClient jdbc;
	private final TransactionTemplate transactions;
	private final IdentitySettings settings;
	private final Clock clock;
	private final ApplicationEventPublisher events;

	RefreshTokens(JdbcClient jdbc, TransactionTemplate transactions, IdentitySettings settings, Clock clock,
			ApplicationEventPublisher events) {
		this.jdbc = jdbc;
		this.transactions = transactions;
		this.settings = settings;
		this.clock = clock;
		this.events = events;
	}

	/** A new login: a new family and its first token. */
	public Issued start(UUID userId) {
		UUID family = UUID.randomUUID();
		Instant now = now();
		return transactions.execute(status -> {
			jdbc.sql("INSERT INTO refresh_families (id, user_id, created_at) VALUES (:id, :user, :now)")
				.param("id", family)
				.param("user", userId)
				.param("now", Timestamp.from(now))
				.update();
			return insert(family, userId, now);
		});
	}

	/**
	 * Rotates: the token is spent and a new one of the same family returned. Throws {@link Refused}
	 * with {@code invalid_refresh_token} (unknown, expired, or of a revoked family) or
	 * {@code refresh_token_reused} (it had been rotated already: the family is now revoked).
	 */
	public Issued rotate(String token) {
		byte[] hash = hash(token);
		Instant now = now();
		// Decided in one transaction, with the token's row locked: two refreshes racing with one token
		// are serialized, and the second one sees it rotated.
		Outcome outcome = transactions.execute(status -> {
			Optional<Row> found = jdbc.sql("""
					SELECT t.family_id, t.expires_at, t.rotated_at, f.user_id, f.revoked_at
					FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id
					WHERE t.token_hash = :hash FOR UPDATE OF t""")
				.param("hash", hash)
				.query((rs, n) -> new Row(rs.getObject("family_id", UUID.class), rs.getObject("user_id", UUID.class),
						rs.getTimestamp("expires_at").toInstant(), rs.getTimestamp("rotated_at") != null,
						rs.getTimestamp("revoked_at") != null))
				.optional();
			if (found.isEmpty() || found.get().revoked() || !found.get().expiresAt().isAfter(now)) {
				return new Outcome(null, null);
			}
			Row row = found.get();
			if (row.rotated()) {
				revokeFamily(row.family(), "reuse", now);
				return new Outcome(null, row);
			}
			jdbc.sql("UPDATE refresh_tokens SET rotated_at = :now WHERE token_hash = :hash")
				.param("now", Timestamp.from(now))
				.param("hash", hash)
				.update();
			return new Outcome(insert(row.family(), row.userId(), now), row);
		});
		if (outcome.issued() != null) {
			return outcome.issued();
		}
		if (outcome.row() != null) {
			events.publishEvent(new SignedOut(outcome.row().userId(), outcome.row().family()));
			throw new Refused("refresh_token_reused",
					"This refresh token was already used; its login has been ended everywhere: log in again");
		}
		throw new Refused("invalid_refresh_token", "The refresh token is unknown, expired or revoked: log in again");
	}

	/** Logout of one login (its family), or of every login of the user when {@code loginId} is null. */
	public void revoke(UUID userId, UUID loginId) {
		Instant now = now();
		if (loginId == null) {
			jdbc.sql("UPDATE refresh_families SET revoked_at = :now, revoked_why = 'logout' WHERE user_id = :user AND revoked_at IS NULL")
				.param("now", Timestamp.from(now))
				.param("user", userId)
				.update();
		}
		else {
			// Only the user's own family: a token naming someone else's login revokes nothing.
			jdbc.sql("""
					UPDATE refresh_families SET revoked_at = :now, revoked_why = 'logout'
					WHERE id = :id AND user_id = :user AND revoked_at IS NULL""")
				.param("now", Timestamp.from(now))
				.param("id", loginId)
				.param("user", userId)
				.update();
		}
		events.publishEvent(new SignedOut(userId, loginId));
	}

	private void revokeFamily(UUID family, String why, Instant now) {
		jdbc.sql("UPDATE refresh_families SET revoked_at = :now, revoked_why = :why WHERE id = :id AND revoked_at IS NULL")
			.param("now", Timestamp.from(now))
			.param("why", why)
			.param("id", family)
			.update();
	}

	private Issued insert(UUID family, UUID userId, Instant now) {
		byte[] raw = new byte[32];
		random.nextBytes(raw);
		String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
		Instant expiresAt = now.plus(settings.refreshTokenTtl());
		jdbc.sql("INSERT INTO refresh_tokens (token_hash, family_id, issued_at, expires_at) VALUES (:hash, :family, :now, :expires)")
			.param("hash", hash(token))
			.param("family", family)
			.param("now", Timestamp.from(now))
			.param("expires", Timestamp.from(expiresAt))
			.update();
		return new Issued(token, family, userId, expiresAt);
	}

	private Instant now() {
		return Instant.now(clock).truncatedTo(ChronoUnit.MILLIS);
	}

	private static byte[] hash(String token) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}

	private record Row(UUID family, UUID userId, Instant expiresAt, boolean rotated, boolean revoked) {
	}

	private record Outcome(Issued issued, Row row) {
	}
}
