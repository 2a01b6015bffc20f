package io.parley.bench;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.handler.codec.http.QueryStringDecoder;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.util.concurrent.Queues;

/**
 * The ceiling Parley is measured against: a minimal Reactor Netty WebSocket server that relays every
 * text frame a client sends to every client of the same group ({@code /ws?group=g}), sender
 * included, with no authentication, persistence, ordering or cross-node bus. Whatever Parley adds
 * (Kafka, Cassandra, sequencing, per-connection delivery guards) shows up as the distance to this.
 */
final class BareBroadcastServer implements AutoCloseable {

	private final Map<String, Set<Sinks.Many<String>>> groups = new ConcurrentHashMap<>();
	private final DisposableServer server;

	BareBroadcastServer() {
		this(0);
	}

	BareBroadcastServer(int port) {
		server = HttpServer.create()
			.host("127.0.0.1")
			.port(port)
			.route(routes -> routes.get("/ws", (request, response) -> {
				String group = new QueryStringDecoder(request.uri()).parameters().getOrDefault("group", List.of("default")).get(0);
				return response.sendWebsocket((in, out) -> {
					// The same bounded per-connection queue Parley has, so neither side buffers without end.
					Sinks.Many<String> queue = Sinks.many().unicast().onBackpressureBuffer(Queues.<String>get(1024).get());
					Set<Sinks.Many<String>> members = groups.computeIfAbsent(group, g -> ConcurrentHashMap.newKeySet());
					members.add(queue);
					var relay = in.receive().asString().doOnNext(text -> {
						for (Sinks.Many<String> member : members) {
							synchronized (member) {
								member.tryEmitNext(text);
							}
						}
					}).then();
					return out.sendString(queue.asFlux()).then().and(relay).doFinally(s -> members.remove(queue));
				});
			}))
			.bindNow();
	}

	/** The baseline in a process of its own (for the idle scenario's memory figures): {@code port}; ends with its input. */
	public static void main(String[] args) throws Exception {
		try (BareBroadcastServer server = new BareBroadcastServer(Integer.parseInt(args[0]))) {
			System.out.println("listening " + server.port());
			System.out.flush();
			while (System.in.read() >= 0) {
				// until the parent closes our input
			}
		}
	}

	int port() {
		return server.port();
	}

	@Override
	public void close() {
		server.disposeNow();
	}
}
