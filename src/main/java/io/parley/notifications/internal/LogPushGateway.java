package io.parley.notifications.internal;

import io.parley.notifications.PushGateway;
import io.parley.notifications.PushNotification;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import reactor.core.publisher.Mono;

/** Platform {@code log}: writes each notification to the log; for development and for operators trying Parley. */
@Component
class LogPushGateway implements PushGateway {

	private static final Logger log = LoggerFactory.getLogger(LogPushGateway.class);

	@Override
	public String platform() {
		return "log";
	}

	@Override
	public boolean enabled() {
		return true;
	}

	@Override
	public Mono<Void> send(PushNotification n) {
		return Mono.fromRunnable(() -> log.info("Push to device {} of user {}: {} new in conversation {} (seq {}..{}), key {}",
				n.deviceId(), n.userId(), n.count(), n.conversationId(), n.firstSeq(), n.lastSeq(), n.idempotencyKey()));
	}
}
