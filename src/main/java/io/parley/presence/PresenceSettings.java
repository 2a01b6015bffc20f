package io.parley.presence;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of presence and typing ({@code parley.presence.*}).
 *
 * @param refreshInterval how often a node renews the entry of each connected device
 * @param ttl how long an entry lives without renewal; must exceed the refresh interval, or idle
 *     users would flap offline and online
 * @param sweepInterval how often each node looks for expired device entries and typing states and
 *     announces them (offline, typing stopped); any node may do it, exactly one announces
 * @param typingInterval renewals of a typing state closer together than this are dropped; a state
 *     not renewed within twice this interval expires and the server announces the stop
 * @param maxUsers the most user ids one {@code presence.subscribe} frame or one REST query may name
 */
@ConfigurationProperties("parley.presence")
public record PresenceSettings(@DefaultValue("10s") Duration refreshInterval, @DefaultValue("15s") Duration ttl,
		@DefaultValue("1s") Duration sweepInterval, @DefaultValue("3s") Duration typingInterval,
		@DefaultValue("100") int maxUsers) {

	public PresenceSettings {
		if (ttl.compareTo(refreshInterval) <= 0) {
			throw new IllegalArgumentException("parley.presence.ttl (" + ttl + ") must be longer than refresh-interval ("
					+ refreshInterval + ")");
		}
		if (sweepInterval.isZero() || sweepInterval.isNegative() || typingInterval.isZero() || typingInterval.isNegative()) {
			throw new IllegalArgumentException("parley.presence.sweep-interval and typing-interval must be positive");
		}
		if (maxUsers < 1) {
			throw new IllegalArgumentException("parley.presence.max-users must be at least 1");
		}
	}

	/** A typing state without renewal for this long is over. */
	public Duration typingExpiry() {
		return typingInterval.multipliedBy(2);
	}
}
