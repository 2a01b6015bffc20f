package io.parley.history.internal;

import io.parley.history.EntryRecorded;
import io.parley.history.StoredMessage;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Once-per-cluster work on each stored entry: all nodes share the consumer group
 * {@code parley-entries}, so each entry is handled by one node (again after a crash: everything
 * here is idempotent). It advances the sender's own pointers to the entry (sending means having read
 * everything before it, fault B21), then publishes {@link EntryRecorded} for the push decisions. The
 * offset is committed after the listeners return, so an entry is never skipped.
 */
@Component
class EntryRecorder {

	private static final Logger log = LoggerFactory.getLogger(EntryRecorder.class);

	private final ReadPointerService pointers;
	private final ApplicationEventPublisher events;
	private final JsonMapper json;

	EntryRecorder(ReadPointerService pointers, ApplicationEventPublisher events, JsonMapper json) {
		this.pointers = pointers;
		this.events = events;
		this.json = json;
	}

	@KafkaListener(id = "parley-entries", groupId = "parley-entries", concurrency = "${parley.history.sequencer-threads:4}",
			topics = "${parley.history.stored-topic:parley.messages.stored}", properties = "auto.offset.reset=latest")
	void onStored(ConsumerRecord<String, String> record) {
		SequencerOutcome outcome;
		try {
			outcome = json.readValue(record.value(), SequencerOutcome.class);
		}
		catch (JacksonException unreadable) {
			log.warn("Skipping unreadable stored entry at {}-{}@{}", record.topic(), record.partition(), record.offset());
			return;
		}
		if (outcome.stored() == null || outcome.stored().duplicate()) {
			return;
		}
		StoredMessage entry = outcome.stored().message();
		pointers.advanceNow(entry.conversationId(), entry.senderId(), entry.seq(), entry.seq(), false);
		events.publishEvent(new EntryRecorded(entry));
	}
}
