package io.parley.identity;

import java.util.List;
import java.util.UUID;

import reactor.core.publisher.Mono;

/**
 * The key directory for end-to-end encryption, modelled on Signal's X3DH key server: each device of a
 * user publishes an identity key, a signed pre-key and a stock of one-time pre-keys; anyone starting a
 * session with the user fetches a {@link PreKeyBundle} per device, which hands out each one-time
 * pre-key at most once. Parley never interprets the keys: they are opaque bytes, checked only for size.
 */
public interface KeyDirectory {

	/**
	 * Publishes (or replaces) the device's identity key and signed pre-key, and adds the given one-time
	 * pre-keys. A new identity key means a new installation: the device's old one-time pre-keys are
	 * dropped first, since they belong to the old identity.
	 *
	 * @throws TooManyDevices when this would be the user's device above the limit
	 * @throws PreKeyConflict when a key id is already stored with other bytes
	 * @throws TooManyPreKeys when the device would hold more one-time pre-keys than the limit
	 */
	Mono<PreKeyCount> publish(UUID userId, String deviceId, byte[] identityKey, SignedPreKey signedPreKey,
			List<PreKey> oneTimePreKeys);

	/** Adds one-time pre-keys to a published device (a "top-up"). */
	Mono<PreKeyCount> addOneTimePreKeys(UUID userId, String deviceId, List<PreKey> oneTimePreKeys);

	/** How many one-time pre-keys the device has left, and whether it should upload more. */
	Mono<PreKeyCount> count(UUID userId, String deviceId);

	/** Removes the device's keys (signing out a device, or wiping it). */
	Mono<Void> remove(UUID userId, String deviceId);

	/**
	 * One bundle per published device of the user (or only {@code deviceId} when not null), each with
	 * one one-time pre-key taken out of the directory: no other fetch, however concurrent, gets it.
	 */
	Mono<List<PreKeyBundle>> fetch(UUID userId, String deviceId);

	/** A pre-key: its id (chosen by the device) and public key. */
	record PreKey(int keyId, byte[] publicKey) {
	}

	/** The medium-term pre-key, signed by the device's identity key. */
	record SignedPreKey(int keyId, byte[] publicKey, byte[] signature) {
	}

	/**
	 * What a peer needs to start a session with one device. {@code oneTimePreKey} is null when the
	 * device's stock ran out: X3DH then runs with the signed pre-key alone.
	 */
	record PreKeyBundle(String deviceId, byte[] identityKey, SignedPreKey signedPreKey, PreKey oneTimePreKey) {
	}

	/** The device's remaining one-time pre-keys; {@code topUp} is true below {@code topUpBelow}. */
	record PreKeyCount(String deviceId, int oneTimePreKeys, int topUpBelow, int maxOneTimePreKeys, boolean topUp, int signedPreKeyId) {
	}
}
