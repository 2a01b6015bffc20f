package io.parley.presence.internal;

import io.parley.presence.PresenceSettings;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Every node, every sweep interval, looks in Redis for users whose device entries all expired and
 * typing states whose deadline passed, and announces them. The state and the deadlines live in
 * Redis, so the announcement does not depend on the node that held the connection still running.
 */
@Component
class Sweeper implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(Sweeper.class);

	private final RedisPresence presence;
	private final RedisTyping typing;
	private final PresenceSettings settings;
	private volatile Disposable sweeping;

	Sweeper(RedisPresence presence, RedisTyping typing, PresenceSettings settings) {
		this.presence = presence;
		this.typing = typing;
		this.settings = settings;
	}

	@Override
	public void start() {
		sweeping = Flux.interval(settings.sweepInterval(), settings.sweepInterval())
			.onBackpressureDrop() // a slow sweep skips ticks instead of piling them up
			.concatMap(tick -> Mono.when(presence.sweep(), typing.sweep()).onErrorResume(e -> {
				log.warn("Presence sweep failed; retrying next interval", e);
				return Mono.empty();
			}), 1)
			.subscribe();
	}

	@Override
	public void stop() {
		if (sweeping != null) {
			sweeping.dispose();
		}
	}

	@Override
	public boolean isRunning() {
		return sweeping != null && !sweeping.isDisposed();
	}
}
