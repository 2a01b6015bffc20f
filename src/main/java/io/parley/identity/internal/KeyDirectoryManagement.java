package io.parley.identity.internal;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.parley.identity.KeyDirectory;
import io.parley.identity.KeyDirectorySettings;
import io.parley.identity.KeysNotFound;
import io.parley.identity.PreKeyConflict;
import io.parley.identity.TooManyDevices;
import io.parley.identity.TooManyPreKeys;
import io.parley.shared.Blocking;
import io.parley.shared.NotFound;

import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

import reactor.core.publisher.Mono;

/**
 * The key directory in PostgreSQL. Uploads run in one transaction holding the device's row lock, so
 * an upload is stored whole or not at all and concurrent uploads to one device cannot overshoot the
 * limit. Fetches take each one-time pre-key with a single {@code DELETE … RETURNING} (see
 * {@link KeyRepository#takeOneTimePreKey}): handing out is the deletion, so a key can never be given twice.
 */
@Service
class KeyDirectoryManagement implements KeyDirectory {

	private final KeyRepository keys;
	private final AccountRepository accounts;
	private final KeyDirectorySettings settings;
	private final TransactionTemplate tx;
	private final Clock clock;

	KeyDirectoryManagement(KeyRepository keys, AccountRepository accounts, KeyDirectorySettings settings,
			TransactionTemplate tx, Clock clock) {
		this.keys = keys;
		this.accounts = accounts;
		this.settings = settings;
		this.tx = tx;
		this.clock = clock;
	}

	@Override
	public Mono<PreKeyCount> publish(UUID userId, String deviceId, byte[] identityKey, SignedPreKey signedPreKey,
			List<PreKey> oneTimePreKeys) {
		return Blocking.call(() -> tx.execute(status -> {
			keys.lockUser(userId);
			Optional<KeyRepository.Device> existing = keys.lockDevice(userId, deviceId);
			if (existing.isEmpty() && keys.deviceCount(userId) >= settings.maxDevices()) {
				throw new TooManyDevices(settings.maxDevices());
			}
			if (existing.isPresent() && !Arrays.equals(existing.get().identityKey(), identityKey)) {
				// A new identity is a new installation: pre-keys made for the old one are useless to peers.
				keys.deleteOneTimePreKeys(userId, deviceId);
			}
			keys.upsertDevice(userId, deviceId, identityKey, signedPreKey, Instant.now(clock).truncatedTo(ChronoUnit.MILLIS));
			addLocked(userId, deviceId, oneTimePreKeys);
			return countNow(userId, deviceId, signedPreKey.keyId());
		}));
	}

	@Override
	public Mono<PreKeyCount> addOneTimePreKeys(UUID userId, String deviceId, List<PreKey> oneTimePreKeys) {
		return Blocking.call(() -> tx.execute(status -> {
			KeyRepository.Device device = keys.lockDevice(userId, deviceId).orElseThrow(() -> deviceNotPublished(deviceId));
			addLocked(userId, deviceId, oneTimePreKeys);
			return countNow(userId, deviceId, device.signedPreKey().keyId());
		}));
	}

	/** Adds keys to a device whose row this transaction holds locked; a retried upload of the same keys changes nothing. */
	private void addLocked(UUID userId, String deviceId, List<PreKey> oneTimePreKeys) {
		int stored = keys.oneTimePreKeyCount(userId, deviceId);
		List<PreKey> fresh = new ArrayList<>();
		for (PreKey key : oneTimePreKeys) {
			Optional<byte[]> same = keys.oneTimePreKey(userId, deviceId, key.keyId());
			if (same.isPresent() && !Arrays.equals(same.get(), key.publicKey())) {
				throw new PreKeyConflict(key.keyId());
			}
			if (same.isEmpty()) {
				fresh.add(key);
			}
		}
		if (stored + fresh.size() > settings.maxOneTimePreKeys()) {
			throw new TooManyPreKeys(stored, fresh.size(), settings.maxOneTimePreKeys());
		}
		fresh.forEach(key -> keys.insertOneTimePreKey(userId, deviceId, key));
	}

	@Override
	public Mono<PreKeyCount> count(UUID userId, String deviceId) {
		return Blocking.call(() -> {
			KeyRepository.Device device = keys.device(userId, deviceId).orElseThrow(() -> deviceNotPublished(deviceId));
			return countNow(userId, deviceId, device.signedPreKey().keyId());
		});
	}

	@Override
	public Mono<Void> remove(UUID userId, String deviceId) {
		return Blocking.run(() -> {
			if (!keys.deleteDevice(userId, deviceId)) {
				throw deviceNotPublished(deviceId);
			}
		});
	}

	@Override
	public Mono<List<PreKeyBundle>> fetch(UUID userId, String deviceId) {
		return Blocking.call(() -> {
			if (accounts.findById(userId).isEmpty()) {
				throw new NotFound("user_not_found", "No user with id " + userId);
			}
			List<KeyRepository.Device> devices = deviceId == null ? keys.devices(userId)
					: keys.device(userId, deviceId).map(List::of).orElse(List.of());
			if (devices.isEmpty()) {
				throw new KeysNotFound(deviceId == null ? "This user has published no keys"
						: "This user has published no keys for device '" + deviceId + "'");
			}
			List<PreKeyBundle> bundles = new ArrayList<>(devices.size());
			for (KeyRepository.Device device : devices) {
				// Each take commits on its own: a key handed out is gone even if a later device fails.
				PreKey oneTime = keys.takeOneTimePreKey(userId, device.deviceId()).orElse(null);
				bundles.add(new PreKeyBundle(device.deviceId(), device.identityKey(), device.signedPreKey(), oneTime));
			}
			return bundles;
		});
	}

	private PreKeyCount countNow(UUID userId, String deviceId, int signedPreKeyId) {
		int left = keys.oneTimePreKeyCount(userId, deviceId);
		return new PreKeyCount(deviceId, left, settings.topUpBelow(), settings.maxOneTimePreKeys(), left < settings.topUpBelow(),
				signedPreKeyId);
	}

	private static KeysNotFound deviceNotPublished(String deviceId) {
		return new KeysNotFound("No keys are published for your device '" + deviceId + "'");
	}
}
