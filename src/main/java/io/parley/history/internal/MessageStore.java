package io.parley.history.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
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

	MessageStore(CqlSession session, HistorySettings settings) {
		this.session = session;
		String ks = settings.keyspace();
		createSchema(session, settings);
		insertIfAbsent = session.prepare("INSERT INTO " + ks + ".messages (conversation_id, bucket, seq, message_id, sender_id,"
				+ " client_message_id, body, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS");
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
				    message_id bigint, sender_id uuid, client_message_id text, body text, sent_at timestamp,
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
		log.info("Cassandra schema ready in keyspace '{}'", ks);
	}

	static long bucketOf(long seq) {
		return (seq - 1) / BUCKET_SIZE;
	}

	/**
	 * Writes the message unless its (conversation, seq) is taken. The lightweight transaction is the
	 * fence against a stale writer: two writers can never both store seq n.
	 */
	boolean insertIfAbsent(StoredMessage m) {
		return session.execute(insertIfAbsent.bind(m.conversationId(), bucketOf(m.seq()), m.seq(), m.messageId(), m.senderId(),
				m.clientMessageId(), m.body(), m.sentAt()).setSerialConsistencyLevel(ConsistencyLevel.SERIAL)).wasApplied();
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

	/** Up to {@code limit} messages with seq &lt;= {@code fromSeq}, newest first, across buckets. */
	List<StoredMessage> pageDown(UUID conversationId, long fromSeq, int limit) {
		List<StoredMessage> page = new ArrayList<>(limit);
		long cursor = fromSeq;
		while (page.size() < limit && cursor >= 1) {
			long bucket = bucketOf(cursor);
			for (Row row : session.execute(selectPage.bind(conversationId, bucket, cursor, limit - page.size()))) {
				page.add(message(row));
			}
			cursor = bucket * BUCKET_SIZE; // the last seq of the bucket below
		}
		return page;
	}

	private static StoredMessage message(Row row) {
		return new StoredMessage(row.getUuid("conversation_id"), row.getLong("seq"), row.getLong("message_id"),
				row.getUuid("sender_id"), row.getString("client_message_id"), row.getString("body"), row.getInstant("sent_at"));
	}
}
