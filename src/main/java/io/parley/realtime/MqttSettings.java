package io.parley.realtime;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the MQTT 3.1.1 listener ({@code parley.mqtt.*}).
 *
 * @param enabled whether this node listens for MQTT clients at all
 * @param host the address to bind ({@code 0.0.0.0}: every interface)
 * @param port the TCP port; {@code 0} picks a free one (tests), published as {@code local.mqtt.port}
 * @param connectTimeout a connection that sends no CONNECT within this time is closed
 * @param idleWithoutKeepAlive how long a client that asked for no keep-alive ({@code 0}) may stay
 *     silent before it is closed; clients with a keep-alive are closed after 1.5 times theirs (the spec)
 * @param sessionExpiry how long a persistent session (clean session = false) is kept in Redis after
 *     its client was last seen: its subscriptions and cursors
 */
@ConfigurationProperties("parley.mqtt")
public record MqttSettings(@DefaultValue("true") boolean enabled, @DefaultValue("0.0.0.0") String host,
		@DefaultValue("1883") int port, @DefaultValue("10s") Duration connectTimeout,
		@DefaultValue("5m") Duration idleWithoutKeepAlive, @DefaultValue("7d") Duration sessionExpiry) {

	public MqttSettings {
		if (port < 0 || port > 65535) {
			throw new IllegalArgumentException("parley.mqtt.port must be between 0 and 65535");
		}
		if (connectTimeout.isNegative() || connectTimeout.isZero() || idleWithoutKeepAlive.isNegative()
				|| idleWithoutKeepAlive.isZero() || sessionExpiry.isNegative() || sessionExpiry.isZero()) {
			throw new IllegalArgumentException("parley.mqtt durations must be positive");
		}
	}
}
