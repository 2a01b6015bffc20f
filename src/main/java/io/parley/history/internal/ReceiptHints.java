package io.parley.history.internal;

import io.parley.history.PointersMoved;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;
import org.springframework.stereotype.Component;

import reactor.core.Disposable;
import tools.jackson.databind.json.JsonMapper;

/**
 * Pointer moves travel to every node on the Redis channel {@value #CHANNEL} and are re-published
 * there as {@link PointersMoved} for the gateway. Redis pub/sub rather than Kafka: a move is a hint
 * (PostgreSQL holds the pointer, and a later move carries the newer state), so losing one costs a
 * stale tick until the next move or a REST read, never a wrong count; and it is one hop with no
 * consumer group per node. The same choice the presence module made for its signals.
 */
@Component
class ReceiptHints implements SmartLifecycle {

	static final String CHANNEL = "parley:receipts";

	private static final Logger log = LoggerFactory.getLogger(ReceiptHints.class);

	private final ReactiveStringRedisTemplate redis;
	private final ReactiveRedisMessageListenerContainer listeners;
	private final ApplicationEventPublisher events;
	private final JsonMapper json;
	private volatile Disposable subscription;

	ReceiptHints(ReactiveStringRedisTemplate redis, ReactiveRedisMessageListenerContainer listeners, ApplicationEventPublisher events,
			JsonMapper json) {
		this.redis = redis;
		this.listeners = listeners;
		this.events = events;
		this.json = json;
	}

	void announce(PointersMoved moved) {
		redis.convertAndSend(CHANNEL, json.writeValueAsString(moved))
			.subscribe(null, e -> log.warn("Could not announce pointer move {}", moved, e));
	}

	@Override
	public void start() {
		subscription = listeners.receive(ChannelTopic.of(CHANNEL)).subscribe(message -> {
			try {
				events.publishEvent(json.readValue(message.getMessage(), PointersMoved.class));
			}
			catch (RuntimeException e) {
				log.warn("Skipping pointer hint {}", message.getMessage(), e);
			}
		}, e -> log.error("Receipts channel subscription ended", e));
	}

	@Override
	public void stop() {
		Disposable s = subscription;
		if (s != null) {
			s.dispose();
		}
	}

	@Override
	public boolean isRunning() {
		return subscription != null && !subscription.isDisposed();
	}
}
