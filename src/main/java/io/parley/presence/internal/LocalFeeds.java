package io.parley.presence.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.parley.presence.LiveSignal;
import io.parley.presence.UserPresence;

import org.springframework.stereotype.Component;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;

/**
 * The feeds of the connections on this node, indexed by user (typing goes to members) and by
 * watched user (presence goes to those who asked). Every presence state carries a version that
 * Redis increments on each change, so a snapshot and a change racing each other to a feed resolve
 * to the newer one, whatever order they arrive in.
 */
@Component
class LocalFeeds {

	/** A presence state with the version Redis gave it. */
	record Versioned(UserPresence presence, long version) {
	}

	final class Feed {

		final UUID userId;
		final String connectionId;
		// Its subscriber hands every signal straight to the connection's outbound queue, which is where a
		// slow reader is policed (hints dropped first); this queue only holds what comes before that
		// subscription, so it grows in small links instead of allocating its slots for every connection.
		private final Sinks.Many<LiveSignal> sink = Sinks.many().unicast().onBackpressureBuffer(Queues.<LiveSignal>unbounded(16).get());
		private final Map<UUID, Versioned> known = new HashMap<>();
		private Set<UUID> watched = Set.of();
		private boolean snapshotPending;

		Feed(UUID userId, String connectionId) {
			this.userId = userId;
			this.connectionId = connectionId;
		}

		synchronized void emit(LiveSignal signal) {
			sink.tryEmitNext(signal);
		}

		synchronized void changed(Versioned change) {
			UUID user = change.presence().userId();
			if (!watched.contains(user)) {
				return;
			}
			Versioned before = known.get(user);
			if (before != null && before.version() >= change.version()) {
				return; // older than what this connection has
			}
			known.put(user, change);
			if (!snapshotPending) {
				sink.tryEmitNext(new LiveSignal.PresenceChanged(change.presence()));
			}
		}
	}

	private final Map<String, Feed> byConnection = new ConcurrentHashMap<>();
	private final Map<UUID, Set<Feed>> byUser = new ConcurrentHashMap<>();
	private final Map<UUID, Set<Feed>> byWatched = new ConcurrentHashMap<>();

	Flux<LiveSignal> open(UUID userId, String connectionId) {
		return Flux.defer(() -> {
			Feed feed = new Feed(userId, connectionId);
			byConnection.put(connectionId, feed);
			byUser.computeIfAbsent(userId, u -> ConcurrentHashMap.newKeySet()).add(feed);
			return feed.sink.asFlux().doFinally(signal -> close(feed));
		});
	}

	private void close(Feed feed) {
		byConnection.remove(feed.connectionId, feed);
		remove(byUser, feed.userId, feed);
		synchronized (feed) {
			feed.watched.forEach(user -> remove(byWatched, user, feed));
			feed.watched = Set.of();
		}
	}

	/**
	 * First half of a subscription: from now on changes of these users are kept for the feed, so
	 * none is lost while the snapshot is read. Returns false if the connection has no feed.
	 */
	boolean startWatching(String connectionId, Collection<UUID> users) {
		Feed feed = byConnection.get(connectionId);
		if (feed == null) {
			return false;
		}
		synchronized (feed) {
			feed.watched.forEach(user -> remove(byWatched, user, feed));
			feed.watched = Set.copyOf(users);
			feed.known.keySet().retainAll(feed.watched);
			feed.snapshotPending = true;
			feed.watched.forEach(user -> byWatched.computeIfAbsent(user, u -> ConcurrentHashMap.newKeySet()).add(feed));
		}
		return true;
	}

	/** Second half: sends the snapshot, each entry replaced by a newer change if one came meanwhile. */
	void snapshot(String connectionId, List<Versioned> states, String ref) {
		Feed feed = byConnection.get(connectionId);
		if (feed == null) {
			return;
		}
		synchronized (feed) {
			List<UserPresence> users = new ArrayList<>(states.size());
			for (Versioned state : states) {
				Versioned newer = feed.known.merge(state.presence().userId(), state,
						(kept, read) -> kept.version() > read.version() ? kept : read);
				users.add(newer.presence());
			}
			feed.snapshotPending = false;
			feed.emit(new LiveSignal.PresenceSnapshot(List.copyOf(users), ref));
		}
	}

	void presenceChanged(Versioned change) {
		byWatched.getOrDefault(change.presence().userId(), Set.of()).forEach(feed -> feed.changed(change));
	}

	/** Sends the typing signal to this node's connections of the given members, never to the typist. */
	void typing(LiveSignal.Typing signal, Collection<UUID> members) {
		for (UUID member : members) {
			if (!member.equals(signal.userId())) {
				byUser.getOrDefault(member, Set.of()).forEach(feed -> feed.emit(signal));
			}
		}
	}

	/** Whether any local connection could want typing signals at all (saves a membership look-up). */
	boolean isEmpty() {
		return byConnection.isEmpty();
	}

	private static void remove(Map<UUID, Set<Feed>> index, UUID key, Feed feed) {
		index.computeIfPresent(key, (k, set) -> {
			set.remove(feed);
			return set.isEmpty() ? null : set;
		});
	}
}
