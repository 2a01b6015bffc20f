package io.parley.realtime.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.parley.realtime.OverloadSettings;
import io.parley.realtime.RealtimeSettings;

import org.springframework.stereotype.Component;

/**
 * The gateway's metrics ({@code parley.*}, listed in docs/operations.md) and the outbound policy
 * every connection gets: the connection reports drops, slow closes and writes here.
 */
@Component
class GatewayMetrics implements OutboundPolicy.Listener {

	private final MeterRegistry registry;
	private final LocalConnections connections;
	private final RealtimeSettings settings;
	private final OverloadSettings overload;
	private final DistributionSummary fanoutSize;
	private final Map<String, Meters> byTransport = new ConcurrentHashMap<>();

	GatewayMetrics(MeterRegistry registry, LocalConnections connections, RealtimeSettings settings, OverloadSettings overload) {
		this.registry = registry;
		this.connections = connections;
		this.settings = settings;
		this.overload = overload;
		this.fanoutSize = DistributionSummary.builder("parley.fanout.size")
			.description("Connections on this node one stored entry was queued for")
			.baseUnit("connections")
			.serviceLevelObjectives(1, 2, 5, 10, 50, 100, 500, 1000)
			.register(registry);
		Gauge.builder("parley.outbound.queued", connections, c -> c.all().stream().mapToInt(Connection::queued).sum())
			.description("Frames queued on this node's connections and not yet taken by their transport")
			.register(registry);
		// Validates the two marks against each other at start-up rather than at the first connection.
		policy("websocket");
	}

	/** The policy of a new connection of this transport (registers the transport's meters on first use). */
	OutboundPolicy policy(String transport) {
		meters(transport);
		return new OutboundPolicy(settings.outboundQueue(), overload.ephemeralQueue(), this);
	}

	void fannedOut(int connectionCount) {
		fanoutSize.record(connectionCount);
	}

	@Override
	public void dropped(Connection connection, ServerFrame frame) {
		meters(connection.transport()).dropped(OutboundPolicy.kind(frame)).increment();
	}

	@Override
	public void tooSlow(Connection connection) {
		meters(connection.transport()).tooSlow.increment();
	}

	@Override
	public void written(Connection connection, OutboundFrame frame) {
		ServerFrame written = frame.frame();
		Meters meters = meters(connection.transport());
		if (written instanceof ServerFrame.Message) {
			meters.delivered.increment();
			Instant acceptedAt = frame.acceptedAt();
			if (acceptedAt != null) {
				meters.latency.record(Duration.between(acceptedAt, Instant.now()));
			}
		}
		else if (written instanceof ServerFrame.Range range) {
			meters.delivered.increment(range.messages().size());
		}
	}

	private Meters meters(String transport) {
		return byTransport.computeIfAbsent(transport, Meters::new);
	}

	/** One transport's meters. */
	private final class Meters {

		private final String transport;
		private final Counter delivered;
		private final Counter tooSlow;
		private final Timer latency;
		private final Map<String, Counter> dropped = new ConcurrentHashMap<>();

		Meters(String transport) {
			this.transport = transport;
			Gauge.builder("parley.connections", connections, c -> c.count(transport))
				.description("Open sessions on this node")
				.tag("transport", transport)
				.register(registry);
			this.delivered = Counter.builder("parley.messages.delivered")
				.description("Message entries handed to a connection's transport for writing (live and catch-up)")
				.tag("transport", transport)
				.register(registry);
			this.tooSlow = Counter.builder("parley.connections.too.slow")
				.description("Connections closed (4008) because a durable frame would have overflowed their outbound queue")
				.tag("transport", transport)
				.register(registry);
			this.latency = Timer.builder("parley.delivery.latency")
				.description("From the server accepting (sequencing) a message to its live frame being handed to a socket")
				.tag("transport", transport)
				.publishPercentileHistogram()
				.minimumExpectedValue(Duration.ofMillis(1))
				.maximumExpectedValue(Duration.ofSeconds(30))
				.register(registry);
		}

		Counter dropped(String kind) {
			return dropped.computeIfAbsent(kind, k -> Counter.builder("parley.outbound.dropped")
				.description("Ephemeral frames not queued because a connection's outbound queue was past parley.realtime.ephemeral-queue")
				.tag("transport", transport)
				.tag("kind", k)
				.register(registry));
		}
	}
}
