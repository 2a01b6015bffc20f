package io.parley.presence.internal;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Who hides their last-seen time, in PostgreSQL. Blocking: call through {@code Blocking}. */
@Repository
class PrivacySettings {

	private final JdbcClient jdbc;

	PrivacySettings(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	void hideLastSeen(UUID userId, boolean hide) {
		jdbc.sql("""
				INSERT INTO presence_privacy (user_id, hide_last_seen) VALUES (:u, :hide)
				ON CONFLICT (user_id) DO UPDATE SET hide_last_seen = EXCLUDED.hide_last_seen""")
			.param("u", userId)
			.param("hide", hide)
			.update();
	}

	/** Those of the users who hide their last-seen time. */
	Set<UUID> hidingLastSeen(Collection<UUID> userIds) {
		if (userIds.isEmpty()) {
			return Set.of();
		}
		return new HashSet<>(jdbc.sql("SELECT user_id FROM presence_privacy WHERE hide_last_seen AND user_id IN (:users)")
			.param("users", userIds)
			.query(UUID.class)
			.list());
	}
}
