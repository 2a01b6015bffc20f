package io.parley.notifications.internal;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Push tokens, mutes, the collapsing queue and the record of sent pushes, in PostgreSQL. */
@Repository
class PushStore {

	record Token(UUID id, UUID userId, String platform, String token, Instant createdAt) {
	}

	record Pending(UUID userId, UUID conversationId, long firstSeq, long lastSeq, int count) {
	}

	private final JdbcClient jdbc;

	PushStore(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** Registers the token for the user; a token already registered (e.g. by a previous owner of the device) moves to this user. */
	Token register(UUID userId, String platform, String token, Instant now) {
		return jdbc.sql("""
				INSERT INTO push_tokens (id, user_id, platform, token, created_at) VALUES (:id, :u, :p, :t, :now)
				ON CONFLICT (platform, token) DO UPDATE SET user_id = EXCLUDED.user_id
				RETURNING id, user_id, platform, token, created_at""")
			.param("id", UUID.randomUUID())
			.param("u", userId)
			.param("p", platform)
			.param("t", token)
			.param("now", java.sql.Timestamp.from(now))
			.query(PushStore::token)
			.single();
	}

	boolean unregister(UUID userId, UUID tokenId) {
		return jdbc.sql("DELETE FROM push_tokens WHERE id = :id AND user_id = :u").param("id", tokenId).param("u", userId).update() > 0;
	}

	void forget(UUID tokenId) {
		jdbc.sql("DELETE FROM push_tokens WHERE id = :id").param("id", tokenId).update();
	}

	List<Token> tokens(UUID userId) {
		return jdbc.sql("SELECT id, user_id, platform, token, created_at FROM push_tokens WHERE user_id = :u ORDER BY created_at")
			.param("u", userId)
			.query(PushStore::token)
			.list();
	}

	/** Those of {@code users} with at least one push token: one query per thousand, not one per user. */
	java.util.Set<UUID> withTokens(java.util.Collection<UUID> users) {
		java.util.Set<UUID> found = new java.util.HashSet<>();
		List<UUID> all = List.copyOf(users);
		for (int from = 0; from < all.size(); from += 1000) {
			found.addAll(jdbc.sql("SELECT DISTINCT user_id FROM push_tokens WHERE user_id IN (:users)")
				.param("users", all.subList(from, Math.min(all.size(), from + 1000)))
				.query(UUID.class)
				.list());
		}
		return found;
	}

	private static Token token(java.sql.ResultSet rs, int n) throws java.sql.SQLException {
		return new Token(rs.getObject("id", UUID.class), rs.getObject("user_id", UUID.class), rs.getString("platform"),
				rs.getString("token"), rs.getTimestamp("created_at").toInstant());
	}

	void mute(UUID userId, UUID conversationId, Instant now) {
		jdbc.sql("INSERT INTO conversation_mutes (user_id, conversation_id, muted_at) VALUES (:u, :c, :now) ON CONFLICT DO NOTHING")
			.param("u", userId)
			.param("c", conversationId)
			.param("now", java.sql.Timestamp.from(now))
			.update();
	}

	void unmute(UUID userId, UUID conversationId) {
		jdbc.sql("DELETE FROM conversation_mutes WHERE user_id = :u AND conversation_id = :c").param("u", userId).param("c", conversationId).update();
	}

	boolean muted(UUID userId, UUID conversationId) {
		return jdbc.sql("SELECT EXISTS (SELECT 1 FROM conversation_mutes WHERE user_id = :u AND conversation_id = :c)")
			.param("u", userId)
			.param("c", conversationId)
			.query(Boolean.class)
			.single();
	}

	/**
	 * Counts the entry into the user's pending notification for the conversation, opening one due
	 * at {@code dueAt} if none is pending. An entry at or below the last one queued (a re-delivery)
	 * is ignored, so a message is never counted, or pushed, twice.
	 */
	void enqueue(UUID userId, UUID conversationId, long seq, Instant dueAt) {
		jdbc.sql("""
				INSERT INTO push_state (user_id, conversation_id, queued_seq, first_seq, pending_count, due_at)
				VALUES (:u, :c, :seq, :seq, 1, :due)
				ON CONFLICT (user_id, conversation_id) DO UPDATE
				   SET queued_seq = EXCLUDED.queued_seq,
				       first_seq = CASE WHEN push_state.pending_count = 0 THEN EXCLUDED.first_seq ELSE push_state.first_seq END,
				       pending_count = push_state.pending_count + 1,
				       due_at = COALESCE(push_state.due_at, EXCLUDED.due_at)
				 WHERE push_state.queued_seq < EXCLUDED.queued_seq""")
			.param("u", userId)
			.param("c", conversationId)
			.param("seq", seq)
			.param("due", java.sql.Timestamp.from(dueAt))
			.update();
	}

	/** Takes due notifications off the queue (call inside a transaction; other nodes skip the locked rows). */
	List<Pending> takeDue(Instant now, int limit) {
		List<Pending> due = jdbc.sql("""
				SELECT user_id, conversation_id, first_seq, queued_seq, pending_count FROM push_state
				 WHERE pending_count > 0 AND due_at <= :now ORDER BY due_at LIMIT :limit FOR UPDATE SKIP LOCKED""")
			.param("now", java.sql.Timestamp.from(now))
			.param("limit", limit)
			.query((rs, n) -> new Pending(rs.getObject("user_id", UUID.class), rs.getObject("conversation_id", UUID.class),
					rs.getLong("first_seq"), rs.getLong("queued_seq"), rs.getInt("pending_count")))
			.list();
		for (Pending p : due) {
			jdbc.sql("UPDATE push_state SET pending_count = 0, due_at = NULL WHERE user_id = :u AND conversation_id = :c")
				.param("u", p.userId())
				.param("c", p.conversationId())
				.update();
		}
		return due;
	}

	boolean alreadySent(String key) {
		return jdbc.sql("SELECT EXISTS (SELECT 1 FROM push_sent WHERE idempotency_key = :k)").param("k", key).query(Boolean.class).single();
	}

	void recordSent(String key, Instant now) {
		jdbc.sql("INSERT INTO push_sent (idempotency_key, sent_at) VALUES (:k, :now) ON CONFLICT DO NOTHING")
			.param("k", key)
			.param("now", java.sql.Timestamp.from(now))
			.update();
	}
}
