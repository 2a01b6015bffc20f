package io.parley.history.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.parley.history.EntryKind;
import io.parley.history.HistorySettings;
import io.parley.history.StoredMessage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The message log in Cassandra, laid out as Discord does: a partition per conversation and bucket,
 * clustered by sequence number descending, so the newest page of a conversation is one sequential
 * read. Buckets are fixed ranges of {@value #BUCKET_SIZE} sequence numbers (not of time), so paging
 * never scans empty buckets and a partition stays bounded. The bucket size is part of the storage
 * format: changing it needs a data migration.
 */
@Component
class MessageStore {

	static final long BUCKET_SIZE = 10_000;

	private static final Logger log = LoggerFactory.getLogger(MessageStore.class);

	private final CqlSession session;
	private final PreparedStatement insertIfAbsent;
	private final PreparedStatement selectOne;
	private final PreparedStatement selectPage;
	private final PreparedStatement maxInBucket;
	private final PreparedStatement selectHead;
	private final PreparedStatement updateHead;
	private final PreparedStatement selectClientId;
	private final PreparedStatement insertClientId;
	private final PreparedStatement selectRange;
	private final PreparedStatement applyEdit;
	private final PreparedStatement applyDelete;

	MessageStore(CqlSession session, HistorySettings settings) {
		this.session = session;
		String ks = settings.keyspace();
		createSchema(session, settings);
		insertIfAbsent = session.prepare("INSERT INTO " + ks + ".messages (conversation_id, bucket, seq, message_id, sender_id,"
				+ " client_message_id, kind, body, sent_at, target_seq, version, edited_at, deleted, ciphertext)"
				+ " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS");
		selectRange = session.prepare("SELECT * FROM " + ks + ".messages WHERE conversation_id = ? AND bucket = ? AND seq >= ?"
				+ " AND seq <= ?");
		// Compare-and-set on the version; "<" rather than "=" so that re-applying after a crash is harmless.
		applyEdit = session.prepare("UPDATE " + ks + ".messages SET body = ?, ciphertext = ?, version = ?, edited_at = ?"
				+ " WHERE conversation_id = ? AND bucket = ? AND seq = ? IF version < ? AND deleted = false");
		applyDelete = session.prepare("UPDATE " + ks + ".messages SET body = null, ciphertext = null, version = ?, edited_at = ?, deleted = true"
				+ " WHERE conversation_id = ? AND bucket = ? AND seq = ? IF version < ?");
		selectOne = session.prepare("SELECT * FROM " + ks + ".messages WHERE conversation_id = ? AND bucket = ? AND seq = ?");
		selectPage = session.prepare("SELECT * FROM " + ks + ".messages WHERE conversation_id = ? AND bucket = ? AND seq <= ? LIMIT ?");
		maxInBucket = session.prepare("SELECT seq FROM " + ks + ".messages WHERE conversation_id = ? AND bucket = ? LIMIT 1");
		selectHead = session.prepare("SELECT last_seq FROM " + ks + ".conversation_heads WHERE conversation_id = ?");
		updateHead = session.prepare("UPDATE " + ks + ".conversation_heads SET last_seq = ? WHERE conversation_id = ?");
		selectClientId = session.prepare("SELECT seq FROM " + ks + ".client_messages WHERE conversation_id = ? AND sender_id = ?"
				+ " AND client_message_id = ?");
		insertClientId = session.prepare("INSERT INTO " + ks + ".client_messages (conversation_id, sender_id, client_message_id, seq)"
				+ " VALUES (?, ?, ?, ?) USING TTL " + Math.max(1, settings.idempotencyWindow().toSeconds()));
	}

	private static void createSchema(CqlSession session, HistorySettings settings) {
		String ks = settings.keyspace();
		List<String> statements = List.of(
				"CREATE KEYSPACE IF NOT EXISTS " + ks + " WITH replication = " + settings.replication(),
				"""
				CREATE TABLE IF NOT EXISTS %s.messages (
				    conversation_id uuid, bucket bigint, seq bigint,
				    message_id bigint, sender_id uuid, client_message_id text, kind text, body text, sent_at timestamp,
				    target_seq bigint, version int, edited_at timestamp, deleted boolean, ciphertext blob,
				    PRIMARY KEY ((conversation_id, bucket), seq)
				) WITH CLUSTERING ORDER BY (seq DESC)""".formatted(ks),
				// A hint of the highest seq, so a new owner does not scan; the messages table stays the truth.
				"CREATE TABLE IF NOT EXISTS %s.conversation_heads (conversation_id uuid PRIMARY KEY, last_seq bigint)".formatted(ks),
				// Client message ids already sequenced, for idempotent retries; rows expire after the window.
				"""
				CREATE TABLE IF NOT EXISTS %s.client_messages (
				    conversation_id uuid, sender_id uuid, client_message_id text, seq bigint,
				    PRIMARY KEY ((conversation_id, sender_id, client_message_id)))""".formatted(ks));
		for (String cql : statements) {
			session.execute(SimpleStatement.newInstance(cql).setTimeout(Duration.ofSeconds(30)));
		}
		addMissingColumns(session, ks);
		log.info("Cassandra schema ready in keyspace '{}'", ks);
	}

	/** Columns added after the first release: a table created by an older Parley gets them here. */
	private static void addMissingColumns(CqlSession session, String ks) {
		Map<String, String> wanted = Map.of("kind", "text", "target_seq", "bigint", "version", "int", "edited_at", "timestamp",
				"deleted", "boolean", "ciphertext", "blob");
		java.util.Set<String> present = new java.util.HashSet<>();
		session.execute(SimpleStatement.newInstance(
				"SELECT column_name FROM system_schema.columns WHERE keyspace_name = ? AND table_name = 'messages'", ks))
			.forEach(row -> present.add(row.getString("column_name")));
		wanted.forEach((column, type) -> {
			if (!present.contains(column)) {
				session.execute(SimpleStatement.newInstance("ALTER TABLE " + ks + ".messages ADD " + column + " " + type)
					.setTimeout(Duration.ofSeconds(30)));
			}
		});
	}

	static long bucketOf(long seq) {
		return (seq - 1) / BUCKET_SIZE;
	}

	/**
	 * Writes the message unless its (conversation, seq) is taken. The lightweight transaction is the
	 * fence against a stale writer: two writers can never both store seq n.
	 */
	boolean insertIfAbsent(StoredMessage m) {
		return session.execute(insertIfAbsent
			.bind(m.conversationId(), bucketOf(m.seq()), m.seq(), m.messageId(), m.senderId(), m.clientMessageId(),
					m.kind().name(), m.body(), m.sentAt(), m.targetSeq(), m.version(), m.editedAt(), m.deleted(),
					m.ciphertext() == null ? null : java.nio.ByteBuffer.wrap(m.ciphertext()))
			.setSerialConsistencyLevel(ConsistencyLevel.SERIAL)).wasApplied();
	}

	/** Sets the message at {@code seq} to the edited body, ciphertext and version, unless it is already that new or deleted. */
	void applyEdit(UUID conversationId, long seq, String body, byte[] ciphertext, int version, java.time.Instant at) {
		session.execute(applyEdit.bind(body, ciphertext == null ? null : java.nio.ByteBuffer.wrap(ciphertext), version, at,
				conversationId, bucketOf(seq), seq, version)
			.setSerialConsistencyLevel(ConsistencyLevel.SERIAL));
	}

	/** Turns the message at {@code seq} into a tombstone (no body), unless it already is at that version. */
	void applyDelete(UUID conversationId, long seq, int version, java.time.Instant at) {
		session.execute(applyDelete.bind(version, at, conversationId, bucketOf(seq), seq, version)
			.setSerialConsistencyLevel(ConsistencyLevel.SERIAL));
	}

	/** Entries with from &lt;= seq &lt;= to, oldest first. */
	List<StoredMessage> range(UUID conversationId, long from, long to) {
		List<StoredMessage> entries = new ArrayList<>();
		for (long bucket = bucketOf(Math.max(1, from)); bucket <= bucketOf(Math.max(1, to)); bucket++) {
			List<StoredMessage> inBucket = new ArrayList<>();
			for (Row row : session.execute(selectRange.bind(conversationId, bucket, from, to))) {
				inBucket.add(message(row));
			}
			java.util.Collections.reverse(inBucket); // the table is clustered newest first
			entries.addAll(inBucket);
		}
		return entries;
	}

	Optional<StoredMessage> find(UUID conversationId, long seq) {
		return Optional.ofNullable(session.execute(selectOne.bind(conversationId, bucketOf(seq), seq)).one()).map(MessageStore::message);
	}

	/** The highest stored seq: start from the head hint and probe forward, since a crash may leave the hint behind. */
	long head(UUID conversationId) {
		Row hint = session.execute(selectHead.bind(conversationId)).one();
		long head = hint == null ? 0 : hint.getLong("last_seq");
		while (true) {
			Row max = session.execute(maxInBucket.bind(conversationId, bucketOf(head + 1))).one();
			if (max == null || max.getLong("seq") <= head) {
				return head;
			}
			head = max.getLong("seq");
		}
	}

	void advanceHead(UUID conversationId, long seq) {
		session.execute(updateHead.bind(seq, conversationId));
	}

	Optional<Long> seqOfClientMessage(UUID conversationId, UUID senderId, String clientMessageId) {
		return Optional.ofNullable(session.execute(selectClientId.bind(conversationId, senderId, clientMessageId)).one())
			.map(row -> row.getLong("seq"));
	}

	void rememberClientMessage(StoredMessage m) {
		session.execute(insertClientId.bind(m.conversationId(), m.senderId(), m.clientMessageId(), m.seq()));
	}

	/** Up to {@code limit} entries with {@code floor} &lt; seq &lt;= {@code fromSeq}, newest first, across buckets. */
	List<StoredMessage> pageDown(UUID conversationId, long fromSeq, long floor, int limit) {
		List<StoredMessage> page = new ArrayList<>(limit);
		long cursor = fromSeq;
		while (page.size() < limit && cursor > floor && cursor >= 1) {
			long bucket = bucketOf(cursor);
			for (Row row : session.execute(selectPage.bind(conversationId, bucket, cursor, limit - page.size()))) {
				StoredMessage entry = message(row);
				if (entry.seq() <= floor) {
					break;
				}
				page.add(entry);
			}
			cursor = bucket * BUCKET_SIZE; // the last seq of the bucket below
		}
		return page;
	}

	private static StoredMessage message(Row row) {
		String kind = row.getString("kind");
		return new StoredMessage(row.getUuid("conversation_id"), row.getLong("seq"), row.getLong("message_id"),
				row.getUuid("sender_id"), row.getString("client_message_id"), kind == null ? EntryKind.MESSAGE : EntryKind.valueOf(kind),
				row.getString("body"), row.getInstant("sent_at"), row.isNull("target_seq") ? null : row.getLong("target_seq"),
				row.isNull("version") ? 1 : row.getInt("version"), row.getInstant("edited_at"),
				!row.isNull("deleted") && row.getBoolean("deleted"), bytes(row.getByteBuffer("ciphertext")));
	}

	/** The blob's bytes exactly (null stays null); the driver's buffer may be a view into a larger one. */
	private static byte[] bytes(java.nio.ByteBuffer blob) {
		if (blob == null) {
			return null;
		}
		byte[] bytes = new byte[blob.remaining()];
		blob.duplicate().get(bytes);
		return bytes;
	}
}
