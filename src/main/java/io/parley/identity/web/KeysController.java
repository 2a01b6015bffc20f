package io.parley.identity.web;

import java.security.Principal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import io.parley.identity.Accounts;
import io.parley.identity.KeyDirectory;
import io.parley.identity.KeyDirectory.PreKey;
import io.parley.identity.KeyDirectory.PreKeyBundle;
import io.parley.identity.KeyDirectory.PreKeyCount;
import io.parley.identity.KeyDirectory.SignedPreKey;
import io.parley.identity.KeyDirectorySettings;
import io.parley.shared.ValidationFailed;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import reactor.core.publisher.Mono;

/**
 * The key directory over REST. Only a device's owner uploads, tops up, counts or removes its keys
 * (the paths under {@code /api/me}); any signed-in user fetches anyone's bundles, as anyone may look a
 * user up and start a 1:1 with them. Keys travel as standard base64 and are checked only for size.
 */
@RestController
class KeysController {

	/** A device id: chosen by the client, stable per installation. */
	static final String DEVICE_ID = "[A-Za-z0-9_.-]{1,64}";
	/** Bounds of every key and signature, decoded: a Curve25519 key is 32–33 bytes, a Kyber-1024 key 1568. */
	static final int MIN_KEY_BYTES = 32;
	static final int MAX_KEY_BYTES = 1600;

	record SignedPreKeyBody(@NotNull @PositiveOrZero Integer keyId, @NotNull String publicKey, @NotNull String signature) {
	}

	record PreKeyBody(@NotNull @PositiveOrZero Integer keyId, @NotNull String publicKey) {
	}

	record Publication(@NotNull String identityKey, @NotNull @Valid SignedPreKeyBody signedPreKey,
			List<@NotNull @Valid PreKeyBody> oneTimePreKeys) {
	}

	record TopUp(@NotNull List<@NotNull @Valid PreKeyBody> oneTimePreKeys) {
	}

	record PreKeyView(int keyId, String publicKey) {
	}

	record SignedPreKeyView(int keyId, String publicKey, String signature) {
	}

	/** {@code oneTimePreKey} is null (present, as JSON null) when the device has none left. */
	record BundleView(String deviceId, String identityKey, SignedPreKeyView signedPreKey, PreKeyView oneTimePreKey) {
	}

	record BundlesView(UUID userId, List<BundleView> devices) {
	}

	private final KeyDirectory directory;
	private final KeyDirectorySettings settings;

	KeysController(KeyDirectory directory, KeyDirectorySettings settings) {
		this.directory = directory;
		this.settings = settings;
	}

	@PutMapping("/api/me/devices/{deviceId}/keys")
	Mono<PreKeyCount> publish(@PathVariable String deviceId, @Valid @RequestBody Publication body, Principal principal) {
		checkDeviceId(deviceId);
		byte[] identityKey = key("identityKey", body.identityKey());
		SignedPreKey signed = new SignedPreKey(body.signedPreKey().keyId(), key("signedPreKey.publicKey", body.signedPreKey().publicKey()),
				key("signedPreKey.signature", body.signedPreKey().signature()));
		List<PreKey> oneTime = oneTimePreKeys(body.oneTimePreKeys() == null ? List.of() : body.oneTimePreKeys());
		return directory.publish(Accounts.idOf(principal), deviceId, identityKey, signed, oneTime);
	}

	@PostMapping("/api/me/devices/{deviceId}/keys/one-time")
	Mono<PreKeyCount> topUp(@PathVariable String deviceId, @Valid @RequestBody TopUp body, Principal principal) {
		checkDeviceId(deviceId);
		List<PreKey> oneTime = oneTimePreKeys(body.oneTimePreKeys());
		if (oneTime.isEmpty()) {
			throw new ValidationFailed("oneTimePreKeys: at least one key");
		}
		return directory.addOneTimePreKeys(Accounts.idOf(principal), deviceId, oneTime);
	}

	@GetMapping("/api/me/devices/{deviceId}/keys/count")
	Mono<PreKeyCount> count(@PathVariable String deviceId, Principal principal) {
		checkDeviceId(deviceId);
		return directory.count(Accounts.idOf(principal), deviceId);
	}

	@DeleteMapping("/api/me/devices/{deviceId}/keys")
	@ResponseStatus(HttpStatus.NO_CONTENT)
	Mono<Void> remove(@PathVariable String deviceId, Principal principal) {
		checkDeviceId(deviceId);
		return directory.remove(Accounts.idOf(principal), deviceId);
	}

	@GetMapping("/api/users/{userId}/keys")
	Mono<BundlesView> fetch(@PathVariable UUID userId, @RequestParam(required = false) String deviceId) {
		if (deviceId != null) {
			checkDeviceId(deviceId);
		}
		return directory.fetch(userId, deviceId).map(bundles -> new BundlesView(userId, bundles.stream().map(KeysController::view).toList()));
	}

	private List<PreKey> oneTimePreKeys(List<PreKeyBody> bodies) {
		if (bodies.size() > settings.maxPerUpload()) {
			throw new ValidationFailed("oneTimePreKeys: at most " + settings.maxPerUpload() + " per upload");
		}
		Set<Integer> ids = new HashSet<>();
		List<PreKey> keys = new ArrayList<>(bodies.size());
		for (int i = 0; i < bodies.size(); i++) {
			PreKeyBody body = bodies.get(i);
			if (!ids.add(body.keyId())) {
				throw new ValidationFailed("oneTimePreKeys: key id " + body.keyId() + " appears twice");
			}
			keys.add(new PreKey(body.keyId(), key("oneTimePreKeys[" + i + "].publicKey", body.publicKey())));
		}
		return keys;
	}

	private static void checkDeviceId(String deviceId) {
		if (!deviceId.matches(DEVICE_ID)) {
			throw new ValidationFailed("deviceId: 1 to 64 of A-Z a-z 0-9 _ . -");
		}
	}

	/** Standard base64 (RFC 4648 section 4, padding optional), 32 to 1600 bytes once decoded. */
	private static byte[] key(String field, String base64) {
		byte[] bytes;
		try {
			bytes = Base64.getDecoder().decode(base64);
		}
		catch (IllegalArgumentException e) {
			throw new ValidationFailed(field + ": not standard base64");
		}
		if (bytes.length < MIN_KEY_BYTES || bytes.length > MAX_KEY_BYTES) {
			throw new ValidationFailed(field + ": " + MIN_KEY_BYTES + " to " + MAX_KEY_BYTES + " bytes once decoded, was " + bytes.length);
		}
		return bytes;
	}

	private static String base64(byte[] bytes) {
		return Base64.getEncoder().encodeToString(bytes);
	}

	private static BundleView view(PreKeyBundle bundle) {
		SignedPreKey signed = bundle.signedPreKey();
		PreKey oneTime = bundle.oneTimePreKey();
		return new BundleView(bundle.deviceId(), base64(bundle.identityKey()),
				new SignedPreKeyView(signed.keyId(), base64(signed.publicKey()), base64(signed.signature())),
				oneTime == null ? null : new PreKeyView(oneTime.keyId(), base64(oneTime.publicKey())));
	}
}
