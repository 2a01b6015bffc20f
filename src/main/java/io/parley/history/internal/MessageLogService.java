package io.parley.history.internal;

import java.util.List;
import java.util.UUID;

import io.parley.history.HistorySettings;
import io.parley.history.MessageLog;
import io.parley.history.MessagePage;
import io.parley.history.MessageSubmission;
import io.parley.history.StoredMessage;
import io.parley.shared.Blocking;

import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Service;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

@Service
class MessageLogService implements MessageLog {

	private final KafkaTemplate<String, String> kafka;
	private final MessageStore store;
	private final JsonMapper json;
	private final HistorySettings settings;

	MessageLogService(KafkaTemplate<String, String> kafka, MessageStore store, JsonMapper json, HistorySettings settings) {
		this.kafka = kafka;
		this.store = store;
		this.json = json;
		this.settings = settings;
	}

	@Override
	public Mono<Void> submit(MessageSubmission submission) {
		String key = submission.conversationId().toString();
		return Mono.fromFuture(() -> kafka.send(settings.inboundTopic(), key, json.writeValueAsString(submission))).then();
	}

	@Override
	public Mono<MessagePage> page(UUID conversationId, Long before, long afterSeq, int limit) {
		return Blocking.call(() -> {
			// Never start above the head: a huge 'before' must not walk down through empty buckets.
			long head = store.head(conversationId);
			long from = before == null ? head : Math.min(before - 1, head);
			List<StoredMessage> messages = store.pageDown(conversationId, from, afterSeq, limit)
				.stream()
				.map(entry -> entry.visibleAfter(afterSeq))
				.toList();
			long oldest = messages.isEmpty() ? afterSeq + 1 : messages.get(messages.size() - 1).seq();
			boolean hasMore = !messages.isEmpty() && oldest > afterSeq + 1;
			return new MessagePage(messages, hasMore, hasMore ? oldest : null);
		});
	}

	@Override
	public Mono<List<StoredMessage>> range(UUID conversationId, long fromSeq, long toSeq) {
		return Blocking.call(() -> fromSeq > toSeq ? List.<StoredMessage>of() : store.range(conversationId, fromSeq, toSeq));
	}

	@Override
	public Mono<Long> head(UUID conversationId) {
		return Blocking.call(() -> store.head(conversationId));
	}
}
