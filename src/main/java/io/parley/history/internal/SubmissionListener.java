package io.parley.history.internal;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.parley.history.HistorySettings;
import io.parley.history.MessageStored;
import io.parley.history.MessageSubmission;
import io.parley.history.SubmissionRejected;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ConsumerSeekAware;
import org.springframework.stereotype.Component;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Consumes submissions. The topic is keyed by conversation, so each conversation lives on one
 * partition and is handled by one consumer at a time, in order. For each: sequence and store, then
 * publish the stored message for every node's fan-out. The offset is committed only after both, so a
 * crash in between re-delivers the submission, and the idempotency check turns it into a re-publish.
 */
@Component
class SubmissionListener implements ConsumerSeekAware {

	private static final Logger log = LoggerFactory.getLogger(SubmissionListener.class);

	private final Sequencer sequencer;
	private final KafkaTemplate<String, String> kafka;
	private final JsonMapper json;
	private final HistorySettings settings;
	private final MeterRegistry meters;

	SubmissionListener(Sequencer sequencer, KafkaTemplate<String, String> kafka, JsonMapper json, HistorySettings settings,
			MeterRegistry meters) {
		this.meters = meters;
		this.sequencer = sequencer;
		this.kafka = kafka;
		this.json = json;
		this.settings = settings;
	}

	@KafkaListener(id = "parley-sequencer", groupId = "parley-sequencer", topics = "${parley.history.inbound-topic:parley.messages.inbound}",
			concurrency = "${parley.history.sequencer-threads:4}", properties = "auto.offset.reset=earliest")
	void onSubmission(ConsumerRecord<String, String> record) throws Exception {
		MessageSubmission submission;
		try {
			submission = json.readValue(record.value(), MessageSubmission.class);
		}
		catch (JacksonException unreadable) {
			log.warn("Skipping unreadable submission at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
					unreadable.getOriginalMessage());
			return;
		}
		Sequencer.Outcome outcome = sequencer.append(submission);
		SequencerOutcome published = outcome.refusal() == null
				? new SequencerOutcome(new MessageStored(outcome.entry(), submission.replyTo(), outcome.duplicate()), null)
				: new SequencerOutcome(null, new SubmissionRejected(submission.conversationId(), submission.clientMessageId(),
						submission.replyTo(), outcome.refusal().code(), outcome.refusal().message(),
						outcome.refusal().currentVersion()));
		kafka.send(settings.storedTopic(), record.key(), json.writeValueAsString(published)).get(30, TimeUnit.SECONDS);
		if (outcome.refusal() == null && !outcome.duplicate()) {
			Counter.builder("parley.messages.accepted")
				.description("Entries sequenced and stored (new messages, edits, deletes; retries not counted) by this node's sequencer")
				.tag("kind", outcome.entry().kind().name().toLowerCase(java.util.Locale.ROOT))
				.register(meters)
				.increment();
		}
	}

	@Override
	public void onPartitionsAssigned(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
		sequencer.forgetHeads();
	}

	@Override
	public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
		sequencer.forgetHeads();
	}
}
