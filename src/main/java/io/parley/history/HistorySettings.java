package io.parley.history;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the message log ({@code parley.history.*}).
 *
 * @param keyspace the Cassandra keyspace, created at start-up when missing
 * @param replication the keyspace's replication map in CQL, e.g. {@code {'class':'NetworkTopologyStrategy','dc1':3}}
 * @param inboundTopic Kafka topic of submissions, keyed by conversation id
 * @param storedTopic Kafka topic of stored messages that every node reads to fan out
 * @param partitions partitions of both topics when Parley creates them
 * @param topicReplicas replication factor of both topics when Parley creates them
 * @param nodeId this node's id in message ids (0–1023); empty (the default) leases a free one in Redis.
 *     Either way the id is held by a Redis lease, so two running nodes can never use the same one
 * @param nodeIdLease how long a node-id lease lives without renewal (renewed every third of it)
 * @param idempotencyWindow how long a client message id is remembered for retried sends
 * @param sequencerThreads consumer threads of this node's sequencer (and entry recorder): partitions are
 *     shared out among them, so conversations on different partitions are sequenced in parallel while
 *     each partition (so each conversation) keeps one thread and one order
 */
@ConfigurationProperties("parley.history")
public record HistorySettings(@DefaultValue("parley") String keyspace,
		@DefaultValue("{'class':'SimpleStrategy','replication_factor':1}") String replication,
		@DefaultValue("parley.messages.inbound") String inboundTopic,
		@DefaultValue("parley.messages.stored") String storedTopic, @DefaultValue("12") int partitions,
		@DefaultValue("1") short topicReplicas, Integer nodeId, @DefaultValue("30s") Duration nodeIdLease,
		@DefaultValue("7d") Duration idempotencyWindow, @DefaultValue("4") int sequencerThreads) {

	public HistorySettings {
		if (nodeId != null && (nodeId < 0 || nodeId > 1023)) {
			throw new IllegalArgumentException("parley.history.node-id must be between 0 and 1023, was " + nodeId);
		}
		if (!keyspace.matches("[a-zA-Z][a-zA-Z0-9_]{0,47}")) {
			throw new IllegalArgumentException("parley.history.keyspace must be a plain CQL identifier, was " + keyspace);
		}
	}
}
