package io.parley.realtime.internal;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.parley.realtime.HttpTransportSettings;

import org.springframework.stereotype.Component;

import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;

/**
 * The sessions on this node that are carried by HTTP (Server-Sent Events and long polling), where
 * client frames arrive as separate POSTs rather than on the stream itself. Each session handles its
 * posted frames one after another, in the order they were accepted, as a WebSocket does.
 */
@Component
class HttpSessions {

	/** A session reachable by id, with its queue of posted frames and, for long polling, its poll state. */
	static final class Entry {

		private final Sessions.Session session;
		private final Sinks.Many<ClientFrame> commands;
		private final LongPoll poll;
		private final Admission.Ticket ticket;

		private Entry(Sessions.Session session, int pendingCommands, LongPoll poll, Admission.Ticket ticket) {
			this.session = session;
			this.poll = poll;
			this.ticket = ticket;
			this.commands = Sinks.many().unicast().onBackpressureBuffer(Queues.<ClientFrame>get(pendingCommands).get());
			this.commands.asFlux().concatMap(session::handle).subscribe();
		}

		Sessions.Session session() {
			return session;
		}

		/** The long-poll state, or {@code null} for an SSE session. */
		LongPoll poll() {
			return poll;
		}

		/** Queues a posted frame; {@code false} when too many are still waiting (the client should slow down). */
		synchronized boolean accept(ClientFrame frame) {
			return commands.tryEmitNext(frame).isSuccess();
		}

		synchronized void close() {
			commands.tryEmitComplete();
		}
	}

	private final Map<String, Entry> byId = new ConcurrentHashMap<>();
	private final HttpTransportSettings settings;

	HttpSessions(HttpTransportSettings settings) {
		this.settings = settings;
	}

	/** Registers a session; its admission {@code ticket} (a slot of this node's limits) is released when it goes. */
	Entry register(Sessions.Session session, LongPoll poll, Admission.Ticket ticket) {
		ticket.opened();
		Entry entry = new Entry(session, settings.pendingCommands(), poll, ticket);
		byId.put(session.connection().id(), entry);
		return entry;
	}

	void unregister(Sessions.Session session) {
		Entry entry = byId.remove(session.connection().id());
		if (entry != null) {
			entry.close();
			entry.ticket.release();
		}
	}

	/** The session with this id if it is on this node and belongs to this user; nobody else's. */
	Optional<Entry> of(String sessionId, UUID userId) {
		Entry entry = sessionId == null ? null : byId.get(sessionId);
		return entry != null && entry.session().connection().userId().equals(userId) ? Optional.of(entry) : Optional.empty();
	}

	Iterable<Entry> all() {
		return byId.values();
	}
}
