package io.parley.presence;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of presence ({@code parley.presence.*}).
 *
 * @param refreshInterval how often a node renews the entry of each connected device
 * @param ttl how long an entry lives without renewal; must exceed the refresh interval, or idle
 *     users would flap offline and online
 */
@ConfigurationProperties("parley.presence")
public record PresenceSettings(@DefaultValue("10s") Duration refreshInterval, @DefaultValue("15s") Duration ttl) {

	public PresenceSettings {
		if (ttl.compareTo(refreshInterval) <= 0) {
			throw new IllegalArgumentException("parley.presence.ttl (" + ttl + ") must be longer than refresh-interval ("
					+ refreshInterval + ")");
		}
	}
}
