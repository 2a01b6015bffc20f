package io.parley.history.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.UUID;
import java.util.stream.LongStream;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.history.StoredMessage;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The Cassandra layout on a real Cassandra: pages cross bucket boundaries without gaps, the head is
 * found even when its hint lags behind, and a sequence number can be claimed only once.
 */
@ParleyIntegrationTest
class MessageStoreIntegrationTests {

	@Autowired
	MessageStore store;

	@Test
	void pagingWalksAcrossBucketBoundariesNewestFirst() {
		UUID conversation = UUID.randomUUID();
		long last = MessageStore.BUCKET_SIZE + 5; // seqs 9,996..10,005 span buckets 0 and 1
		LongStream.rangeClosed(MessageStore.BUCKET_SIZE - 4, last).forEach(seq -> store.insertIfAbsent(message(conversation, seq)));
		store.advanceHead(conversation, MessageStore.BUCKET_SIZE - 4); // a stale hint, as after a crash

		assertThat(store.head(conversation)).isEqualTo(last);
		assertThat(store.pageDown(conversation, last, 0, 7)).extracting(StoredMessage::seq)
			.containsExactly(10_005L, 10_004L, 10_003L, 10_002L, 10_001L, 10_000L, 9_999L);
		assertThat(store.pageDown(conversation, 9_998, 0, 100)).extracting(StoredMessage::seq)
			.containsExactly(9_998L, 9_997L, 9_996L);
	}

	@Test
	void aSequenceNumberCanBeClaimedOnlyOnce() {
		UUID conversation = UUID.randomUUID();
		assertThat(store.insertIfAbsent(message(conversation, 1))).isTrue();
		StoredMessage impostor = StoredMessage.message(conversation, 1, 99, UUID.randomUUID(), "other", "overwrite?", Instant.now());
		assertThat(store.insertIfAbsent(impostor)).isFalse();
		assertThat(store.find(conversation, 1)).get().extracting(StoredMessage::body).isEqualTo("message 1");
	}

	@Test
	void aRangeIsReturnedOldestFirstAcrossBuckets() {
		UUID conversation = UUID.randomUUID();
		LongStream.rangeClosed(MessageStore.BUCKET_SIZE - 2, MessageStore.BUCKET_SIZE + 2)
			.forEach(seq -> store.insertIfAbsent(message(conversation, seq)));
		assertThat(store.range(conversation, MessageStore.BUCKET_SIZE - 1, MessageStore.BUCKET_SIZE + 1))
			.extracting(StoredMessage::seq)
			.containsExactly(9_999L, 10_000L, 10_001L);
	}

	@Autowired
	com.datastax.oss.driver.api.core.CqlSession session;

	@Test
	void aTableFromBeforeCiphertextsGainsTheColumnAndItsRowsStayReadable() {
		String ks = "legacy_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
		UUID conversation = UUID.randomUUID();
		execute("CREATE KEYSPACE " + ks + " WITH replication = {'class':'SimpleStrategy','replication_factor':1}");
		execute("CREATE TABLE " + ks + ".messages (conversation_id uuid, bucket bigint, seq bigint, message_id bigint,"
				+ " sender_id uuid, client_message_id text, kind text, body text, sent_at timestamp, target_seq bigint,"
				+ " version int, edited_at timestamp, deleted boolean, PRIMARY KEY ((conversation_id, bucket), seq))"
				+ " WITH CLUSTERING ORDER BY (seq DESC)");
		execute("INSERT INTO " + ks + ".messages (conversation_id, bucket, seq, message_id, sender_id, client_message_id, kind,"
				+ " body, sent_at, version, deleted) VALUES (" + conversation + ", 0, 1, 7, " + UUID.randomUUID()
				+ ", 'old', 'MESSAGE', 'written before ciphertexts', '2026-12-01T00:00:00Z', 1, false)");
		try {
			MessageStore upgraded = new MessageStore(session, new io.parley.history.HistorySettings(ks,
					"{'class':'SimpleStrategy','replication_factor':1}", "in", "out", 1, (short) 1, null,
					java.time.Duration.ofSeconds(30), java.time.Duration.ofDays(7), 1));

			StoredMessage old = upgraded.find(conversation, 1).orElseThrow();
			assertThat(old.body()).isEqualTo("written before ciphertexts");
			assertThat(old.ciphertext()).isNull();
			byte[] opaque = { 0, (byte) 0xFF, 0x7F, (byte) 0x80 };
			assertThat(upgraded.insertIfAbsent(StoredMessage.message(conversation, 2, 8, UUID.randomUUID(), "new", null, opaque,
					Instant.now()))).isTrue();
			assertThat(upgraded.find(conversation, 2).orElseThrow().ciphertext()).containsExactly(opaque);
		}
		finally {
			execute("DROP KEYSPACE " + ks);
		}
	}

	private void execute(String cql) {
		session.execute(com.datastax.oss.driver.api.core.cql.SimpleStatement.newInstance(cql)
			.setTimeout(java.time.Duration.ofSeconds(30)));
	}

	@Test
	void anEmptyConversationHasHeadZeroAndNoPages() {
		UUID conversation = UUID.randomUUID();
		assertThat(store.head(conversation)).isZero();
		assertThat(store.pageDown(conversation, 0, 0, 50)).isEmpty();
	}

	private static StoredMessage message(UUID conversation, long seq) {
		return StoredMessage.message(conversation, seq, 1000 + seq, UUID.randomUUID(), "c-" + seq, "message " + seq,
				Instant.parse("2026-12-03T12:00:00Z"));
	}
}
