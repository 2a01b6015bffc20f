package io.parley.history.internal;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;


import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.listener.ConsumerSeekAware;
import org.springframework.stereotype.Component;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every node reads every stored message (its own consumer group, starting at the end) and
 * re-publishes it as a {@link io.parley.history.MessageStored} (or {@link io.parley.history.SubmissionRejected}) application event for the gateway's local fan-out. One
 * listener thread per node keeps each conversation's messages in sequence order. Reports itself as
 * the {@code messagePipeline} health component: down until it has its partitions, because messages
 * stored before that would not reach this node's sockets.
 */
@Component("messagePipeline")
class StoredMessageRelay implements ConsumerSeekAware, HealthIndicator {

	private static final Logger log = LoggerFactory.getLogger(StoredMessageRelay.class);

	private final ApplicationEventPublisher events;
	private final JsonMapper json;
	private final AtomicBoolean assigned = new AtomicBoolean();

	StoredMessageRelay(ApplicationEventPublisher events, JsonMapper json) {
		this.events = events;
		this.json = json;
	}

	@KafkaListener(id = "parley-relay", groupId = "#{@relayGroup.id()}", topics = "${parley.history.stored-topic:parley.messages.stored}",
			properties = "auto.offset.reset=latest")
	void onStored(ConsumerRecord<String, String> record) {
		SequencerOutcome outcome;
		try {
			outcome = json.readValue(record.value(), SequencerOutcome.class);
		}
		catch (JacksonException unreadable) {
			log.warn("Skipping unreadable stored message at {}-{}@{}", record.topic(), record.partition(), record.offset());
			return;
		}
		if (outcome.stored() != null) {
			events.publishEvent(outcome.stored());
		}
		else if (outcome.rejected() != null) {
			events.publishEvent(outcome.rejected());
		}
	}

	@Override
	public void onPartitionsAssigned(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
		if (!assignments.isEmpty()) {
			callback.seekToEnd(assignments.keySet()); // a node only fans out what is stored from now on
			assigned.set(true);
		}
	}

	@Override
	public Health health() {
		return assigned.get() ? Health.up().build()
				: Health.down().withDetail("reason", "not yet receiving stored messages from Kafka").build();
	}
}
