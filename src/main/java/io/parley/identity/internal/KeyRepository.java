package io.parley.identity.internal;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.parley.identity.KeyDirectory.PreKey;
import io.parley.identity.KeyDirectory.SignedPreKey;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Device keys and one-time pre-keys in PostgreSQL. Blocking: callers run it on {@link io.parley.shared.Blocking}. */
@Repository
class KeyRepository {

	record Device(String deviceId, byte[] identityKey, SignedPreKey signedPreKey) {
	}

	private final JdbcClient jdbc;

	KeyRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** The device's row, locked until the transaction ends, so that concurrent uploads to one device queue up. */
	Optional<Device> lockDevice(UUID userId, String deviceId) {
		return jdbc.sql("SELECT * FROM device_keys WHERE user_id = :u AND device_id = :d FOR UPDATE")
			.param("u", userId)
			.param("d", deviceId)
			.query((rs, row) -> device(rs))
			.optional();
	}

	/**
	 * Serializes device registrations of one user (the device limit), by locking the account row.
	 * {@code NO KEY UPDATE}: inserts elsewhere that reference the account (foreign keys take
	 * {@code KEY SHARE}) are not held up.
	 */
	void lockUser(UUID userId) {
		jdbc.sql("SELECT id FROM accounts WHERE id = :u FOR NO KEY UPDATE").param("u", userId).query(UUID.class).optional();
	}

	int deviceCount(UUID userId) {
		return jdbc.sql("SELECT count(*) FROM device_keys WHERE user_id = :u").param("u", userId).query(Integer.class).single();
	}

	void upsertDevice(UUID userId, String deviceId, byte[] identityKey, SignedPreKey signed, Instant now) {
		jdbc.sql("""
				INSERT INTO device_keys (user_id, device_id, identity_key, signed_prekey_id, signed_prekey,
				                         signed_prekey_signature, updated_at)
				VALUES (:u, :d, :ik, :sid, :spk, :sig, :at)
				ON CONFLICT (user_id, device_id) DO UPDATE SET identity_key = excluded.identity_key,
				    signed_prekey_id = excluded.signed_prekey_id, signed_prekey = excluded.signed_prekey,
				    signed_prekey_signature = excluded.signed_prekey_signature, updated_at = excluded.updated_at""")
			.param("u", userId)
			.param("d", deviceId)
			.param("ik", identityKey)
			.param("sid", signed.keyId())
			.param("spk", signed.publicKey())
			.param("sig", signed.signature())
			.param("at", Timestamp.from(now))
			.update();
	}

	void deleteOneTimePreKeys(UUID userId, String deviceId) {
		jdbc.sql("DELETE FROM one_time_prekeys WHERE user_id = :u AND device_id = :d").param("u", userId).param("d", deviceId).update();
	}

	/** Inserts the key unless its id is taken; returns whether it inserted. */
	boolean insertOneTimePreKey(UUID userId, String deviceId, PreKey key) {
		return jdbc.sql("""
				INSERT INTO one_time_prekeys (user_id, device_id, key_id, public_key) VALUES (:u, :d, :k, :p)
				ON CONFLICT DO NOTHING""")
			.param("u", userId)
			.param("d", deviceId)
			.param("k", key.keyId())
			.param("p", key.publicKey())
			.update() == 1;
	}

	Optional<byte[]> oneTimePreKey(UUID userId, String deviceId, int keyId) {
		return jdbc.sql("SELECT public_key FROM one_time_prekeys WHERE user_id = :u AND device_id = :d AND key_id = :k")
			.param("u", userId)
			.param("d", deviceId)
			.param("k", keyId)
			.query((rs, row) -> rs.getBytes(1))
			.optional();
	}

	int oneTimePreKeyCount(UUID userId, String deviceId) {
		return jdbc.sql("SELECT count(*) FROM one_time_prekeys WHERE user_id = :u AND device_id = :d")
			.param("u", userId)
			.param("d", deviceId)
			.query(Integer.class)
			.single();
	}

	Optional<Device> device(UUID userId, String deviceId) {
		return jdbc.sql("SELECT * FROM device_keys WHERE user_id = :u AND device_id = :d")
			.param("u", userId)
			.param("d", deviceId)
			.query((rs, row) -> device(rs))
			.optional();
	}

	List<Device> devices(UUID userId) {
		return jdbc.sql("SELECT * FROM device_keys WHERE user_id = :u ORDER BY device_id")
			.param("u", userId)
			.query((rs, row) -> device(rs))
			.list();
	}

	boolean deleteDevice(UUID userId, String deviceId) {
		return jdbc.sql("DELETE FROM device_keys WHERE user_id = :u AND device_id = :d").param("u", userId).param("d", deviceId)
			.update() == 1;
	}

	/**
	 * Takes one one-time pre-key out of the directory, or none when the device has none left. The
	 * row is locked by the sub-select and deleted by the same statement; a concurrent taker skips
	 * locked rows instead of waiting for them, so two takers never get the same key and never block
	 * each other. (A taker that finds only locked rows gets none, as if the stock were empty: a bundle
	 * without a one-time pre-key is still a valid X3DH bundle.)
	 */
	Optional<PreKey> takeOneTimePreKey(UUID userId, String deviceId) {
		return jdbc.sql("""
				DELETE FROM one_time_prekeys
				WHERE (user_id, device_id, key_id) = (
				    SELECT user_id, device_id, key_id FROM one_time_prekeys
				    WHERE user_id = :u AND device_id = :d
				    ORDER BY key_id
				    LIMIT 1
				    FOR UPDATE SKIP LOCKED)
				RETURNING key_id, public_key""")
			.param("u", userId)
			.param("d", deviceId)
			.query((rs, row) -> new PreKey(rs.getInt("key_id"), rs.getBytes("public_key")))
			.optional();
	}

	private static Device device(java.sql.ResultSet rs) throws java.sql.SQLException {
		return new Device(rs.getString("device_id"), rs.getBytes("identity_key"),
				new SignedPreKey(rs.getInt("signed_prekey_id"), rs.getBytes("signed_prekey"), rs.getBytes("signed_prekey_signature")));
	}
}
