package io.parley.presence.internal;

import io.parley.groups.Conversations;
import io.parley.presence.LiveSignal;
import io.parley.presence.TypingAction;
import io.parley.shared.Blocking;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;
import org.springframework.stereotype.Component;

import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Receives presence changes and typing signals from every node over Redis pub/sub and hands them to
 * this node's feeds. They are hints: one lost while a node restarts costs a stale dot or indicator
 * until the next subscription or the server's own expiry, never a message. Typing signals are
 * handled one after another, so a start is never overtaken by its stop.
 */
@Component
class SignalChannels implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(SignalChannels.class);

	private final ReactiveRedisMessageListenerContainer listeners;
	private final LocalFeeds feeds;
	private final Conversations conversations;
	private final JsonMapper json;
	private volatile Disposable presence;
	private volatile Disposable typing;

	SignalChannels(ReactiveRedisMessageListenerContainer listeners, LocalFeeds feeds, Conversations conversations, JsonMapper json) {
		this.listeners = listeners;
		this.feeds = feeds;
		this.conversations = conversations;
		this.json = json;
	}

	@Override
	public void start() {
		presence = listeners.receive(ChannelTopic.of(RedisPresence.CHANNEL))
			.subscribe(message -> read(message.getMessage(), RedisPresence.Change.class, change -> feeds.presenceChanged(change.versioned())),
					e -> log.error("Presence channel subscription ended", e));
		typing = listeners.receive(ChannelTopic.of(RedisTyping.CHANNEL))
			.concatMap(message -> {
				RedisTyping.Notice notice = parse(message.getMessage(), RedisTyping.Notice.class);
				if (notice == null || feeds.isEmpty()) {
					return Mono.empty();
				}
				LiveSignal.Typing signal = new LiveSignal.Typing(notice.conversationId(), notice.userId(),
						TypingAction.valueOf(notice.action().toUpperCase()), notice.reason());
				// Membership is looked up off the event loop (JDBC), per signal and node.
				return Blocking.call(() -> conversations.memberIdsNow(notice.conversationId()))
					.doOnNext(members -> feeds.typing(signal, members))
					.onErrorResume(e -> {
						log.warn("Could not deliver typing signal {}", notice, e);
						return Mono.empty();
					});
			})
			.subscribe(null, e -> log.error("Typing channel subscription ended", e));
	}

	private <T> void read(String payload, Class<T> type, java.util.function.Consumer<T> handler) {
		T value = parse(payload, type);
		if (value != null) {
			handler.accept(value);
		}
	}

	private <T> T parse(String payload, Class<T> type) {
		try {
			return json.readValue(payload, type);
		}
		catch (JacksonException | IllegalArgumentException e) {
			log.warn("Ignoring unreadable {} on a signal channel", type.getSimpleName());
			return null;
		}
	}

	@Override
	public void stop() {
		if (presence != null) {
			presence.dispose();
		}
		if (typing != null) {
			typing.dispose();
		}
	}

	@Override
	public boolean isRunning() {
		return presence != null && !presence.isDisposed();
	}
}
