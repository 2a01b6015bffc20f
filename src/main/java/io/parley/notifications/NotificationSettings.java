package io.parley.notifications;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of offline push ({@code parley.notifications.*}).
 *
 * @param collapseWindow messages to one offline user in one conversation within this window become
 *     one notification carrying a count; also the delay before a push, so reading on another device
 *     in the meantime cancels it
 * @param flushInterval how often due notifications are taken from the queue
 * @param resubmitAfter outbox entries still incomplete after this long are handed to the sender again
 *     (besides on restart); keep it well above the webhook's total retry time
 * @param webhook the webhook gateway; without a URL it is off and webhook tokens are refused
 */
@ConfigurationProperties("parley.notifications")
public record NotificationSettings(@DefaultValue("3s") Duration collapseWindow, @DefaultValue("500ms") Duration flushInterval,
		@DefaultValue("5m") Duration resubmitAfter, @DefaultValue Webhook webhook) {

	/**
	 * @param url where notifications are POSTed as JSON (empty: webhook gateway off)
	 * @param timeout per attempt
	 * @param maxAttempts attempts in all, the first included
	 * @param minBackoff first back-off; doubled per attempt up to {@code maxBackoff}, with ±50% jitter
	 */
	public record Webhook(String url, @DefaultValue("5s") Duration timeout, @DefaultValue("5") int maxAttempts,
			@DefaultValue("500ms") Duration minBackoff, @DefaultValue("10s") Duration maxBackoff) {

		public boolean enabled() {
			return url != null && !url.isBlank();
		}
	}
}
