package io.parley.realtime.internal;

import java.util.UUID;

import io.parley.groups.MemberAdded;
import io.parley.groups.MemberRemoved;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;

import reactor.core.Disposable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tells a user's live connections, on whichever node they are, that they were added to or removed
 * from a conversation, so a client updates its list without polling. These are hints over Redis
 * pub/sub: a lost one costs a stale list until the next reconnect, never a message, because
 * delivery itself always checks current membership.
 */
@Component
class MembershipNotices implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(MembershipNotices.class);
	static final String CHANNEL = "parley:membership";

	/** What travels on the channel. */
	record Notice(UUID userId, UUID conversationId, boolean added, UUID by) {
	}

	private final ReactiveStringRedisTemplate redis;
	private final ReactiveRedisMessageListenerContainer listeners;
	private final LocalConnections connections;
	private final JsonMapper json;
	private volatile Disposable subscription;

	MembershipNotices(ReactiveStringRedisTemplate redis, ReactiveRedisMessageListenerContainer listeners, LocalConnections connections,
			JsonMapper json) {
		this.redis = redis;
		this.listeners = listeners;
		this.connections = connections;
		this.json = json;
	}

	@TransactionalEventListener
	void on(MemberAdded event) {
		publish(new Notice(event.userId(), event.conversationId(), true, event.addedBy()));
	}

	@TransactionalEventListener
	void on(MemberRemoved event) {
		publish(new Notice(event.userId(), event.conversationId(), false, event.removedBy()));
	}

	private void publish(Notice notice) {
		redis.convertAndSend(CHANNEL, json.writeValueAsString(notice))
			.subscribe(null, e -> log.warn("Could not publish membership notice {}", notice, e));
	}

	private void deliver(String payload) {
		Notice notice;
		try {
			notice = json.readValue(payload, Notice.class);
		}
		catch (JacksonException e) {
			log.warn("Ignoring unreadable membership notice");
			return;
		}
		ServerFrame frame = notice.added() ? new ServerFrame.ConversationAdded(notice.conversationId(), notice.by())
				: new ServerFrame.ConversationRemoved(notice.conversationId(), notice.by());
		OutboundFrame shared = new OutboundFrame(frame);
		connections.of(notice.userId()).forEach(c -> c.send(shared));
	}

	@Override
	public void start() {
		subscription = listeners.receive(ChannelTopic.of(CHANNEL))
			.map(message -> message.getMessage())
			.subscribe(this::deliver, e -> log.error("Membership notice subscription ended", e));
	}

	@Override
	public void stop() {
		if (subscription != null) {
			subscription.dispose();
		}
	}

	@Override
	public boolean isRunning() {
		return subscription != null && !subscription.isDisposed();
	}
}
