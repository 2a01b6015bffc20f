package io.parley.identity.internal;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.parley.identity.Account;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Accounts in PostgreSQL. Blocking: callers run it on {@link io.parley.shared.Blocking}. */
@Repository
class AccountRepository {

	record StoredAccount(Account account, String passwordHash) {
	}

	private final JdbcClient jdbc;

	AccountRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** Inserts unless the username (case-insensitively) exists; returns whether it inserted. */
	boolean insert(Account account, String passwordHash) {
		int rows = jdbc.sql("""
				INSERT INTO accounts (id, username, password_hash, created_at)
				VALUES (:id, :username, :hash, :createdAt)
				ON CONFLICT DO NOTHING""")
			.param("id", account.id())
			.param("username", account.username())
			.param("hash", passwordHash)
			.param("createdAt", java.sql.Timestamp.from(account.createdAt()))
			.update();
		return rows == 1;
	}

	Optional<StoredAccount> findByUsername(String username) {
		return jdbc.sql("SELECT id, username, password_hash, created_at FROM accounts WHERE lower(username) = lower(:u)")
			.param("u", username)
			.query(AccountRepository::stored)
			.optional();
	}

	Optional<Account> findById(UUID id) {
		return jdbc.sql("SELECT id, username, password_hash, created_at FROM accounts WHERE id = :id")
			.param("id", id)
			.query(AccountRepository::stored)
			.optional()
			.map(StoredAccount::account);
	}

	List<Account> findAll(Collection<UUID> ids) {
		if (ids.isEmpty()) {
			return List.of();
		}
		return jdbc.sql("SELECT id, username, password_hash, created_at FROM accounts WHERE id IN (:ids)")
			.param("ids", ids)
			.query(AccountRepository::stored)
			.list()
			.stream()
			.map(StoredAccount::account)
			.toList();
	}

	private static StoredAccount stored(ResultSet rs, int row) throws SQLException {
		Instant created = rs.getTimestamp("created_at").toInstant();
		return new StoredAccount(new Account(rs.getObject("id", UUID.class), rs.getString("username"), created),
				rs.getString("password_hash"));
	}
}
