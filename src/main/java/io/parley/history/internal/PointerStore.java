package io.parley.history.internal;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.parley.history.ReadPointer;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Read pointers in PostgreSQL. The update is one statement with {@code GREATEST}: PostgreSQL locks
 * the row, so two devices (on two nodes) racing with different values always end at the maximum,
 * and an older value arriving last changes nothing.
 */
@Repository
class PointerStore {

	private final JdbcClient jdbc;

	PointerStore(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** Moves forward; returns the new pointer only if it moved (or was created). */
	Optional<ReadPointer> advance(UUID conversationId, UUID userId, long deliveredSeq, long readSeq, Instant now) {
		return jdbc.sql("""
				INSERT INTO read_pointers (conversation_id, user_id, delivered_seq, read_seq, updated_at)
				VALUES (:c, :u, :d, :r, :now)
				ON CONFLICT (conversation_id, user_id) DO UPDATE
				   SET delivered_seq = GREATEST(read_pointers.delivered_seq, EXCLUDED.delivered_seq),
				       read_seq = GREATEST(read_pointers.read_seq, EXCLUDED.read_seq),
				       updated_at = EXCLUDED.updated_at
				 WHERE read_pointers.delivered_seq < EXCLUDED.delivered_seq OR read_pointers.read_seq < EXCLUDED.read_seq
				RETURNING delivered_seq, read_seq""")
			.param("c", conversationId)
			.param("u", userId)
			.param("d", Math.max(deliveredSeq, readSeq))
			.param("r", readSeq)
			.param("now", java.sql.Timestamp.from(now))
			.query((rs, n) -> new ReadPointer(conversationId, userId, rs.getLong("delivered_seq"), rs.getLong("read_seq")))
			.optional();
	}

	ReadPointer find(UUID conversationId, UUID userId) {
		return jdbc.sql("SELECT delivered_seq, read_seq FROM read_pointers WHERE conversation_id = :c AND user_id = :u")
			.param("c", conversationId)
			.param("u", userId)
			.query((rs, n) -> new ReadPointer(conversationId, userId, rs.getLong("delivered_seq"), rs.getLong("read_seq")))
			.optional()
			.orElse(new ReadPointer(conversationId, userId, 0, 0));
	}

	List<ReadPointer> ofConversation(UUID conversationId) {
		return jdbc.sql("SELECT user_id, delivered_seq, read_seq FROM read_pointers WHERE conversation_id = :c")
			.param("c", conversationId)
			.query((rs, n) -> new ReadPointer(conversationId, rs.getObject("user_id", UUID.class), rs.getLong("delivered_seq"),
					rs.getLong("read_seq")))
			.list();
	}

	List<ReadPointer> ofUser(UUID userId) {
		return jdbc.sql("SELECT conversation_id, delivered_seq, read_seq FROM read_pointers WHERE user_id = :u")
			.param("u", userId)
			.query((rs, n) -> new ReadPointer(rs.getObject("conversation_id", UUID.class), userId, rs.getLong("delivered_seq"),
					rs.getLong("read_seq")))
			.list();
	}
}
