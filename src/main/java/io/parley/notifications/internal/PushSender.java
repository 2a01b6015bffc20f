package io.parley.notifications.internal;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.parley.notifications.PushGateway;
import io.parley.notifications.PushNotification;
import io.parley.notifications.PushRejected;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Async;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;

/**
 * Sends an outbox entry to every device of the user. Runs after the outbox commit, asynchronously
 * (no database transaction or connection is held while a gateway retries). Spring Modulith marks
 * the publication complete only when this returns normally: if a device's gateway failed beyond its
 * retries it throws, the publication stays incomplete and is re-sent later, and devices already
 * served are skipped by their idempotency key (device, conversation, last seq) recorded in
 * {@code push_sent}: at most one push per device per message, short of a crash between a POST and its
 * record (the gateway then sees the same {@code Idempotency-Key} twice).
 */
@Component
class PushSender {

	private static final Logger log = LoggerFactory.getLogger(PushSender.class);

	private final PushStore store;
	private final Map<String, PushGateway> gateways;
	private final Clock clock;

	PushSender(PushStore store, List<PushGateway> gateways, Clock clock) {
		this.store = store;
		this.gateways = gateways.stream().collect(Collectors.toMap(PushGateway::platform, Function.identity()));
		this.clock = clock;
	}

	@Async
	@TransactionalEventListener
	void on(PushDue due) {
		RuntimeException failure = null;
		for (PushStore.Token device : store.tokens(due.userId())) {
			String key = device.id() + ":" + due.conversationId() + ":" + due.lastSeq();
			PushGateway gateway = gateways.get(device.platform());
			if (store.alreadySent(key) || gateway == null || !gateway.enabled()) {
				continue;
			}
			PushNotification notification = new PushNotification(key, due.userId(), device.id(), device.platform(),
					device.token(), due.conversationId(), due.firstSeq(), due.lastSeq(), due.count());
			try {
				gateway.send(notification).block();
				store.recordSent(key, clock.instant());
			}
			catch (PushRejected rejected) {
				log.warn("Push {} refused for good: {}", key, rejected.getMessage());
				if (rejected.tokenGone()) {
					store.forget(device.id());
				}
			}
			catch (RuntimeException e) {
				log.warn("Push {} failed after retries; the outbox re-sends it later", key, e);
				failure = e;
			}
		}
		if (failure != null) {
			throw failure;
		}
	}
}
