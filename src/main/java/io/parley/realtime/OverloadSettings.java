package io.parley.realtime;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How a node protects itself and its clients ({@code parley.realtime.*}, next to
 * {@link RealtimeSettings}): load shedding, the slow-consumer policy and the drain on shutdown.
 *
 * @param maxConnections sessions this node holds at most (the transports that ask {@code Admission}:
 *     WebSocket so far); beyond it new ones are refused with 503 and a retry hint while existing
 *     sessions carry on
 * @param maxHandshakes handshakes in progress at once (authenticated, not yet open); beyond it new
 *     ones are refused the same way, so a reconnect storm cannot pile up work
 * @param retryAfter the least a refused client is told to wait
 * @param retryJitter a random extra wait added to {@code retryAfter} (uniform in [0, jitter)), so
 *     refused clients do not come back together
 * @param ephemeralQueue once this many frames are queued for a connection, ephemeral frames (typing,
 *     presence, receipt and unread hints) are dropped instead of queued; must be below
 *     {@code outbound-queue}
 * @param closeGrace how long a closed socket may take to flush its close frame before the node cuts
 *     the TCP connection (a client that stopped reading never acknowledges it)
 * @param drainGrace on shutdown, how long readiness is down (and new sessions refused) before
 *     connected clients are told to leave, for load balancers to stop sending new ones
 * @param drainWindow the reconnect delays sent to connected clients on shutdown are spread evenly
 *     over this window, so they do not all come back at once
 * @param drainTimeout the most the drain waits for queued frames to be written and sockets to close
 */
@ConfigurationProperties("parley.realtime")
public record OverloadSettings(@DefaultValue("10000") int maxConnections, @DefaultValue("200") int maxHandshakes,
		@DefaultValue("2s") Duration retryAfter, @DefaultValue("8s") Duration retryJitter,
		@DefaultValue("512") int ephemeralQueue, @DefaultValue("5s") Duration closeGrace,
		@DefaultValue("0s") Duration drainGrace, @DefaultValue("10s") Duration drainWindow,
		@DefaultValue("5s") Duration drainTimeout) {

	public OverloadSettings {
		if (maxConnections < 1 || maxHandshakes < 1) {
			throw new IllegalArgumentException("parley.realtime.max-connections and max-handshakes must be at least 1");
		}
	}
}
