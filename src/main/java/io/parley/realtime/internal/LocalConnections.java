package io.parley.realtime.internal;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.stereotype.Component;

/** The connections on this node, by user (for fan-out) and by id (for acks). */
@Component
class LocalConnections {

	private final Map<UUID, Set<Connection>> byUser = new ConcurrentHashMap<>();
	private final Map<String, Connection> byId = new ConcurrentHashMap<>();

	void add(Connection connection) {
		byId.put(connection.id(), connection);
		byUser.computeIfAbsent(connection.userId(), u -> ConcurrentHashMap.newKeySet()).add(connection);
	}

	void remove(Connection connection) {
		byId.remove(connection.id());
		byUser.computeIfPresent(connection.userId(), (u, set) -> {
			set.remove(connection);
			return set.isEmpty() ? null : set;
		});
	}

	Set<Connection> of(UUID userId) {
		return byUser.getOrDefault(userId, Set.of());
	}

	Optional<Connection> byId(String id) {
		return id == null ? Optional.empty() : Optional.ofNullable(byId.get(id));
	}

	int count() {
		return byId.size();
	}

	/** Open connections of one transport ({@code websocket}, {@code sse}, ...). */
	int count(String transport) {
		return (int) byId.values().stream().filter(c -> c.transport().equals(transport)).count();
	}

	/** A snapshot of every connection on this node. */
	java.util.List<Connection> all() {
		return java.util.List.copyOf(byId.values());
	}
}
