package io.parley.notifications.internal;


import io.parley.notifications.NotificationSettings;
import io.parley.notifications.PushGateway;
import io.parley.notifications.PushNotification;
import io.parley.notifications.PushRejected;

import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientResponseException;

import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * POSTs each notification as JSON to the configured URL, with an {@code Idempotency-Key} header that
 * stays the same on every retry and re-send, so a receiver can drop the rare duplicate (a crash after
 * the POST and before it was recorded). Transient failures (connection errors, timeouts, 5xx, 408,
 * 429) are retried with exponential back-off and ±50% jitter, so a recovering receiver is not hit by
 * every node in lock-step; other 4xx are permanent.
 */
@Component
class WebhookPushGateway implements PushGateway {

	private final WebClient client;
	private final NotificationSettings.Webhook settings;

	WebhookPushGateway(NotificationSettings settings) {
		this.client = WebClient.builder().build();
		this.settings = settings.webhook();
	}

	@Override
	public String platform() {
		return "webhook";
	}

	@Override
	public boolean enabled() {
		return settings.enabled();
	}

	@Override
	public Mono<Void> send(PushNotification notification) {
		if (!enabled()) {
			return Mono.error(new IllegalStateException("parley.notifications.webhook.url is not set"));
		}
		return client.post()
			.uri(settings.url())
			.contentType(MediaType.APPLICATION_JSON)
			.header("Idempotency-Key", notification.idempotencyKey())
			.bodyValue(notification)
			.retrieve()
			.toBodilessEntity()
			.timeout(settings.timeout())
			.then()
			.onErrorMap(WebClientResponseException.class, WebhookPushGateway::classify)
			.retryWhen(Retry.backoff(Math.max(0, settings.maxAttempts() - 1), settings.minBackoff())
				.maxBackoff(settings.maxBackoff())
				.jitter(0.5)
				.filter(e -> !(e instanceof PushRejected))
				.onRetryExhaustedThrow((spec, signal) -> signal.failure()));
	}

	private static Throwable classify(WebClientResponseException e) {
		int status = e.getStatusCode().value();
		boolean transientFailure = e.getStatusCode().is5xxServerError() || status == 408 || status == 429;
		return transientFailure ? e : new PushRejected("Webhook answered " + status, status == 404 || status == 410);
	}

}
