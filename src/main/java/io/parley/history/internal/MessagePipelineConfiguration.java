package io.parley.history.internal;

import java.util.UUID;

import io.parley.history.HistorySettings;

import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.ExponentialBackOff;

/** The two Kafka topics of the message path and how their consumers retry. */
@Configuration(proxyBeanMethods = false)
class MessagePipelineConfiguration {

	/** This process's identity among the relay consumers: every node must read every stored message. */
	record RelayGroup(String id) {
	}

	@Bean
	RelayGroup relayGroup(NodeIdLease nodeId) {
		return new RelayGroup("parley-relay-" + nodeId.nodeId() + "-" + UUID.randomUUID());
	}

	@Bean
	NewTopic inboundTopic(HistorySettings settings) {
		return TopicBuilder.name(settings.inboundTopic()).partitions(settings.partitions()).replicas(settings.topicReplicas()).build();
	}

	@Bean
	NewTopic storedTopic(HistorySettings settings) {
		return TopicBuilder.name(settings.storedTopic()).partitions(settings.partitions()).replicas(settings.topicReplicas()).build();
	}

	/**
	 * A record that fails (Cassandra or Kafka briefly unavailable) is retried with backoff, without
	 * limit: skipping it would lose a message or break the conversation's order. Records that cannot
	 * be parsed are skipped by the listeners themselves, so they cannot block a partition.
	 */
	@Bean
	CommonErrorHandler pipelineErrorHandler() {
		ExponentialBackOff backOff = new ExponentialBackOff(200, 2.0);
		backOff.setMaxInterval(5_000);
		return new DefaultErrorHandler(backOff);
	}
}
