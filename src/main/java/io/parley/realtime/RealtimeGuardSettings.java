package io.parley.realtime;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The gateway's defences ({@code parley.realtime.*}, next to {@link RealtimeSettings}).
 *
 * @param allowedOrigins origins (scheme://host[:port]) whose pages may open {@code /ws}, besides the
 *     server's own origin, which is always allowed; {@code *} allows every origin. A handshake with an
 *     {@code Origin} header that is neither is refused with 403 {@code origin_not_allowed}
 *     (cross-site WebSocket hijacking). Handshakes without an {@code Origin} (native clients) are not
 *     affected: only browsers send it, and only browsers can be tricked into connecting.
 * @param sendLimit how many {@code send}, {@code edit} and {@code delete} frames one user may send per
 *     {@code sendLimitPeriod} on one node, over all their connections; more get {@code rate_limited}
 *     with {@code retryAfterMs}
 * @param sendLimitPeriod the period in which the send permits refill
 * @param reauthenticateBefore how long before its access token expires a connection is sent
 *     {@code reauthenticate} (at most half of the token's remaining life); at expiry, a connection that
 *     sent no fresh token is closed with 4001
 * @param maxJsonDepth the deepest nesting of objects and arrays a JSON frame may have; deeper frames
 *     get {@code nesting_too_deep}
 */
@ConfigurationProperties("parley.realtime")
public record RealtimeGuardSettings(@DefaultValue List<String> allowedOrigins, @DefaultValue("30") int sendLimit,
		@DefaultValue("10s") Duration sendLimitPeriod, @DefaultValue("60s") Duration reauthenticateBefore,
		@DefaultValue("8") int maxJsonDepth) {

	public RealtimeGuardSettings {
		if (sendLimit < 1 || maxJsonDepth < 3) {
			throw new IllegalArgumentException("parley.realtime.send-limit must be at least 1 and max-json-depth at least 3");
		}
	}
}
