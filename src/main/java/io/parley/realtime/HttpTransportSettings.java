package io.parley.realtime;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the HTTP fallback transports, Server-Sent Events and long polling
 * ({@code parley.realtime.http.*}).
 *
 * @param sseHeartbeat how often an idle event stream gets a comment line, so proxies and load
 *     balancers do not close it (most idle timeouts are 30 to 60 s)
 * @param sseRetry the reconnect delay a plain EventSource is told to use ({@code retry:} field)
 * @param pollTimeout how long a poll with nothing to deliver is held open before it answers empty
 * @param sessionTimeout a long-poll session with no poll for this long is ended; the client's next
 *     poll then resumes from history; must exceed {@code pollTimeout}
 * @param pendingFrames frames a long-poll session keeps for its next poll; past that it is ended and
 *     the next poll resumes from history
 * @param pendingCommands client frames posted to one session and not yet handled; past that a POST gets 429
 */
@ConfigurationProperties("parley.realtime.http")
public record HttpTransportSettings(@DefaultValue("15s") Duration sseHeartbeat, @DefaultValue("2s") Duration sseRetry,
		@DefaultValue("25s") Duration pollTimeout, @DefaultValue("60s") Duration sessionTimeout,
		@DefaultValue("1024") int pendingFrames, @DefaultValue("64") int pendingCommands) {

	public HttpTransportSettings {
		if (sessionTimeout.compareTo(pollTimeout) <= 0) {
			throw new IllegalArgumentException("parley.realtime.http.session-timeout must exceed poll-timeout");
		}
	}
}
