package io.parley.notifications;

import reactor.core.publisher.Mono;

/**
 * Hands a notification to one push platform. Implementations retry transient failures themselves;
 * the returned Mono fails with {@link PushRejected} for a permanent refusal (the token is bad) and
 * with anything else for a transient failure that outlasted the retries (the outbox re-sends later).
 */
public interface PushGateway {

	/** The platform name that device tokens are registered with, e.g. {@code webhook}. */
	String platform();

	/** Whether this gateway is configured to send. */
	boolean enabled();

	Mono<Void> send(PushNotification notification);
}
