package io.parley.groups.internal;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import io.parley.groups.ConversationKind;
import io.parley.groups.ConversationSummary;
import io.parley.groups.Role;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Conversations and memberships in PostgreSQL. Blocking; usernames come from the identity module. */
@Repository
class ConversationRepository {

	record Row(UUID id, ConversationKind kind, String name, UUID createdBy, Instant createdAt) {
	}

	record MemberRow(UUID userId, Role role, Instant joinedAt) {
	}

	private final JdbcClient jdbc;

	ConversationRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	void insert(Row row, String directKey) {
		jdbc.sql("""
				INSERT INTO conversations (id, kind, name, created_by, created_at, direct_key)
				VALUES (:id, :kind, :name, :createdBy, :createdAt, :directKey)""")
			.param("id", row.id())
			.param("kind", row.kind().name().toLowerCase())
			.param("name", row.name())
			.param("createdBy", row.createdBy())
			.param("createdAt", Timestamp.from(row.createdAt()))
			.param("directKey", directKey)
			.update();
	}

	/** Inserts the 1:1 conversation unless one with that key exists; returns whether it inserted. */
	boolean insertDirectIfAbsent(Row row, String directKey) {
		return jdbc.sql("""
				INSERT INTO conversations (id, kind, name, created_by, created_at, direct_key)
				VALUES (:id, 'direct', NULL, :createdBy, :createdAt, :directKey)
				ON CONFLICT (direct_key) DO NOTHING""")
			.param("id", row.id())
			.param("createdBy", row.createdBy())
			.param("createdAt", Timestamp.from(row.createdAt()))
			.param("directKey", directKey)
			.update() == 1;
	}

	Optional<UUID> findDirect(String directKey) {
		return jdbc.sql("SELECT id FROM conversations WHERE direct_key = :k").param("k", directKey).query(UUID.class).optional();
	}

	Optional<Row> find(UUID id) {
		return jdbc.sql("SELECT id, kind, name, created_by, created_at FROM conversations WHERE id = :id")
			.param("id", id)
			.query(ConversationRepository::row)
			.optional();
	}

	/** Adds the member, or leaves an existing membership as it is; returns whether it added. */
	boolean addMember(UUID conversationId, UUID userId, Role role, Instant at, long joinSeq) {
		return jdbc.sql("""
				INSERT INTO conversation_members (conversation_id, user_id, role, joined_at, join_seq)
				VALUES (:c, :u, :role, :at, :joinSeq) ON CONFLICT DO NOTHING""")
			.param("c", conversationId)
			.param("u", userId)
			.param("role", role.wireName())
			.param("at", Timestamp.from(at))
			.param("joinSeq", joinSeq)
			.update() == 1;
	}

	Set<UUID> recipients(UUID conversationId, long seq) {
		return new HashSet<>(jdbc.sql("SELECT user_id FROM conversation_members WHERE conversation_id = :c AND join_seq < :seq")
			.param("c", conversationId)
			.param("seq", seq)
			.query(UUID.class)
			.list());
	}

	Optional<Long> joinSeq(UUID conversationId, UUID userId) {
		return jdbc.sql("SELECT join_seq FROM conversation_members WHERE conversation_id = :c AND user_id = :u")
			.param("c", conversationId)
			.param("u", userId)
			.query(Long.class)
			.optional();
	}

	boolean removeMember(UUID conversationId, UUID userId) {
		return jdbc.sql("DELETE FROM conversation_members WHERE conversation_id = :c AND user_id = :u")
			.param("c", conversationId)
			.param("u", userId)
			.update() == 1;
	}

	List<MemberRow> members(UUID conversationId) {
		return jdbc.sql("SELECT user_id, role, joined_at FROM conversation_members WHERE conversation_id = :c ORDER BY joined_at, user_id")
			.param("c", conversationId)
			.query((rs, n) -> new MemberRow(rs.getObject("user_id", UUID.class), Role.fromWire(rs.getString("role")),
					rs.getTimestamp("joined_at").toInstant()))
			.list();
	}

	Optional<Role> roleOf(UUID conversationId, UUID userId) {
		return jdbc.sql("SELECT role FROM conversation_members WHERE conversation_id = :c AND user_id = :u")
			.param("c", conversationId)
			.param("u", userId)
			.query((rs, n) -> Role.fromWire(rs.getString(1)))
			.optional();
	}

	java.util.Map<UUID, Long> memberships(UUID userId) {
		java.util.Map<UUID, Long> memberships = new java.util.HashMap<>();
		jdbc.sql("SELECT conversation_id, join_seq FROM conversation_members WHERE user_id = :u")
			.param("u", userId)
			.query((rs, n) -> memberships.put(rs.getObject("conversation_id", UUID.class), rs.getLong("join_seq")))
			.list();
		return memberships;
	}

	Set<UUID> memberIds(UUID conversationId) {
		return new HashSet<>(jdbc.sql("SELECT user_id FROM conversation_members WHERE conversation_id = :c")
			.param("c", conversationId)
			.query(UUID.class)
			.list());
	}

	/** Those of the candidates (never the user) who are members of at least one of the user's conversations. */
	Set<UUID> sharingAConversation(UUID userId, Collection<UUID> candidates) {
		return new HashSet<>(jdbc.sql("""
				SELECT DISTINCT o.user_id
				  FROM conversation_members m JOIN conversation_members o ON o.conversation_id = m.conversation_id
				 WHERE m.user_id = :u AND o.user_id IN (:candidates) AND o.user_id <> :u""")
			.param("u", userId)
			.param("candidates", candidates)
			.query(UUID.class)
			.list());
	}

	/** The user's conversations, newest first; a 1:1 is named after the other member. */
	List<ConversationSummary> summariesFor(UUID userId) {
		return jdbc.sql("""
				SELECT c.id, c.kind, c.created_at, m.role,
				       (SELECT count(*) FROM conversation_members x WHERE x.conversation_id = c.id) AS member_count,
				       CASE WHEN c.kind = 'direct' THEN
				           (SELECT a.username FROM conversation_members o JOIN accounts a ON a.id = o.user_id
				             WHERE o.conversation_id = c.id AND o.user_id <> :u LIMIT 1)
				       ELSE c.name END AS display_name
				  FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id
				 WHERE m.user_id = :u
				 ORDER BY c.created_at DESC, c.id""")
			.param("u", userId)
			.query((rs, n) -> new ConversationSummary(rs.getObject("id", UUID.class), kind(rs),
					rs.getString("display_name"), Role.fromWire(rs.getString("role")), rs.getInt("member_count"),
					rs.getTimestamp("created_at").toInstant()))
			.list();
	}

	private static Row row(ResultSet rs, int n) throws SQLException {
		return new Row(rs.getObject("id", UUID.class), kind(rs), rs.getString("name"),
				rs.getObject("created_by", UUID.class), rs.getTimestamp("created_at").toInstant());
	}

	private static ConversationKind kind(ResultSet rs) throws SQLException {
		return ConversationKind.valueOf(rs.getString("kind").toUpperCase());
	}
}
