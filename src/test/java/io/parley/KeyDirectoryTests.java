package io.parley;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.ParleyApi;
import io.parley.support.ParleyApi.User;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import tools.jackson.databind.JsonNode;

/**
 * The key directory for end-to-end encryption, on real PostgreSQL: Alice's phone publishes its keys,
 * Bob fetches a bundle and gets her keys back byte for byte with one one-time pre-key that nobody
 * else will ever get, even when many users fetch at once; the count tells the phone to top up; and
 * every refusal is a problem detail with a stable code.
 */
@ParleyIntegrationTest
class KeyDirectoryTests {

	private static final SecureRandom random = new SecureRandom();

	@LocalServerPort
	int port;

	ParleyApi api;
	WebTestClient http;

	@BeforeEach
	void setUp() {
		api = new ParleyApi(port);
		http = api.http();
	}

	@Test
	void aPeerFetchesTheKeysAPhonePublishedAndEachOneTimePreKeyOnlyOnce() {
		User alice = api.newUser("alice");
		User bob = api.newUser("bob");
		String identity = key(33);
		String signedKey = key(33);
		String signature = key(64);
		List<Map<String, Object>> preKeys = preKeys(7, 3);

		JsonNode published = publish(alice, "phone", identity, 1, signedKey, signature, preKeys).expectStatus().isOk()
			.expectBody(JsonNode.class).returnResult().getResponseBody();
		assertThat(published.get("oneTimePreKeys").asInt()).isEqualTo(3);
		assertThat(published.get("topUp").asBoolean()).isTrue();

		JsonNode bundles = fetch(bob, alice, null);
		assertThat(bundles.get("userId").asString()).isEqualTo(alice.id().toString());
		JsonNode phone = bundles.get("devices").get(0);
		assertThat(phone.get("deviceId").asString()).isEqualTo("phone");
		assertThat(phone.get("identityKey").asString()).isEqualTo(identity);
		assertThat(phone.get("signedPreKey").get("keyId").asInt()).isEqualTo(1);
		assertThat(phone.get("signedPreKey").get("publicKey").asString()).isEqualTo(signedKey);
		assertThat(phone.get("signedPreKey").get("signature").asString()).isEqualTo(signature);
		assertThat(phone.get("oneTimePreKey").get("keyId").asInt()).isEqualTo(7);
		assertThat(phone.get("oneTimePreKey").get("publicKey").asString()).isEqualTo(preKeys.get(0).get("publicKey"));
		assertThat(count(alice, "phone").get("oneTimePreKeys").asInt()).isEqualTo(2);

		assertThat(fetch(bob, alice, "phone").get("devices").get(0).get("oneTimePreKey").get("keyId").asInt()).isEqualTo(8);
		assertThat(fetch(alice, alice, null).get("devices").get(0).get("oneTimePreKey").get("keyId").asInt()).isEqualTo(9);
		JsonNode exhausted = fetch(bob, alice, null).get("devices").get(0);
		assertThat(exhausted.get("oneTimePreKey").isNull()).as("no one-time pre-key left: X3DH with the signed pre-key").isTrue();
		assertThat(exhausted.get("signedPreKey").get("publicKey").asString()).isEqualTo(signedKey);

		List<Map<String, Object>> more = preKeys(100, 25);
		JsonNode topUp = topUp(alice, "phone", more).expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();
		assertThat(topUp.get("oneTimePreKeys").asInt()).isEqualTo(25);
		assertThat(topUp.get("topUp").asBoolean()).isFalse();
		assertThat(topUp.get("topUpBelow").asInt()).isEqualTo(20);
		JsonNode retried = topUp(alice, "phone", more).expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();
		assertThat(retried.get("oneTimePreKeys").asInt()).as("a retried upload of the same keys changes nothing").isEqualTo(25);
	}

	@Test
	void manyConcurrentFetchesFromSeveralUsersNeverHandOutAKeyTwice() throws Exception {
		int keysPerDevice = 40;
		List<User> owners = List.of(api.newUser("carol"), api.newUser("dave"));
		for (User owner : owners) {
			for (String device : List.of("phone", "laptop")) {
				publish(owner, device, key(33), 1, key(33), key(64), preKeys(1000, keysPerDevice)).expectStatus().isOk();
			}
		}
		List<User> fetchers = IntStream.range(0, 5).mapToObj(i -> api.newUser("fetcher" + i)).toList();

		// As many fetches of each owner as each of their devices has keys, all at once from five users:
		// every fetch must get a key, and no key may reach two fetches.
		List<Callable<JsonNode>> fetches = new ArrayList<>();
		for (int i = 0; i < keysPerDevice; i++) {
			for (User owner : owners) {
				User fetcher = fetchers.get((i + owners.indexOf(owner)) % fetchers.size());
				fetches.add(() -> fetch(fetcher, owner, null));
			}
		}
		ExecutorService pool = Executors.newFixedThreadPool(16);
		List<JsonNode> answers = new ArrayList<>();
		try {
			for (Future<JsonNode> answer : pool.invokeAll(fetches, 120, TimeUnit.SECONDS)) {
				answers.add(answer.get());
			}
		}
		finally {
			pool.shutdownNow();
		}

		Set<String> handedOut = new HashSet<>();
		int bundles = 0;
		for (JsonNode answer : answers) {
			for (JsonNode device : answer.get("devices")) {
				bundles++;
				assertThat(device.get("oneTimePreKey").isNull()).as("a fetch found no key while keys were left").isFalse();
				String id = answer.get("userId").asString() + "/" + device.get("deviceId").asString() + "/"
						+ device.get("oneTimePreKey").get("keyId").asInt();
				assertThat(handedOut.add(id)).as("key %s handed out twice", id).isTrue();
			}
		}
		assertThat(bundles).isEqualTo(owners.size() * 2 * keysPerDevice);
		assertThat(handedOut).hasSize(owners.size() * 2 * keysPerDevice);
		for (User owner : owners) {
			assertThat(count(owner, "phone").get("oneTimePreKeys").asInt()).isZero();
			assertThat(count(owner, "laptop").get("oneTimePreKeys").asInt()).isZero();
			assertThat(fetch(fetchers.get(0), owner, null).get("devices").valueStream().map(d -> d.get("oneTimePreKey").isNull()))
				.containsExactly(true, true);
		}
	}

	@Test
	void aNewIdentityKeyDropsTheOldPreKeysButRotatingTheSignedPreKeyKeepsThem() {
		User erin = api.newUser("erin");
		String identity = key(33);
		publish(erin, "tablet", identity, 1, key(33), key(64), preKeys(1, 5)).expectStatus().isOk();

		JsonNode rotated = publish(erin, "tablet", identity, 2, key(33), key(64), List.of()).expectStatus().isOk()
			.expectBody(JsonNode.class).returnResult().getResponseBody();
		assertThat(rotated.get("oneTimePreKeys").asInt()).isEqualTo(5);
		assertThat(rotated.get("signedPreKeyId").asInt()).isEqualTo(2);

		JsonNode reinstalled = publish(erin, "tablet", key(33), 1, key(33), key(64), preKeys(1, 2)).expectStatus().isOk()
			.expectBody(JsonNode.class).returnResult().getResponseBody();
		assertThat(reinstalled.get("oneTimePreKeys").asInt()).as("old pre-keys dropped, the two new ones kept").isEqualTo(2);

		http.delete().uri("/api/me/devices/tablet/keys").headers(h -> h.setBearerAuth(erin.token())).exchange()
			.expectStatus().isNoContent();
		problem(http.get().uri("/api/users/" + erin.id() + "/keys").headers(h -> h.setBearerAuth(erin.token())).exchange(), 404,
				"keys_not_found");
	}

	@Test
	void onlyTheOwnerWritesADevicesKeysAndEveryRefusalHasAStableCode() {
		User frank = api.newUser("frank");
		User grace = api.newUser("grace");
		String identity = key(32);
		publish(frank, "phone", identity, 1, key(32), key(64), preKeys(0, 2)).expectStatus().isOk();

		// Grace writing "phone" writes her own device: Frank's keys are untouched.
		publish(grace, "phone", key(32), 1, key(32), key(64), List.of()).expectStatus().isOk();
		assertThat(fetch(grace, frank, null).get("devices").get(0).get("identityKey").asString()).isEqualTo(identity);

		problem(publish(frank, "phone", "not base64!", 1, key(32), key(64), List.of()), 400, "validation_failed");
		problem(publish(frank, "phone", key(16), 1, key(32), key(64), List.of()), 400, "validation_failed");
		problem(publish(frank, "phone", key(1601), 1, key(32), key(64), List.of()), 400, "validation_failed");
		problem(publish(frank, "bad device id", key(32), 1, key(32), key(64), List.of()), 400, "validation_failed");
		problem(publish(frank, "phone", identity, -1, key(32), key(64), List.of()), 400, "validation_failed");
		List<Map<String, Object>> twice = List.of(Map.of("keyId", 5, "publicKey", key(32)), Map.of("keyId", 5, "publicKey", key(32)));
		problem(publish(frank, "phone", identity, 1, key(32), key(64), twice), 400, "validation_failed");
		problem(http.put().uri("/api/me/devices/phone/keys").headers(h -> h.setBearerAuth(frank.token()))
			.contentType(MediaType.APPLICATION_JSON).bodyValue("{\"identityKey\":\"" + identity + "\"}").exchange(), 400,
				"validation_failed");

		// Grace's fetch took key 0. Key id 1 is stored with other bytes: the whole upload is refused,
		// including the fresh key 3.
		List<Map<String, Object>> clash = List.of(Map.of("keyId", 3, "publicKey", key(32)), Map.of("keyId", 1, "publicKey", key(32)));
		problem(topUp(frank, "phone", clash), 409, "prekey_conflict");
		assertThat(count(frank, "phone").get("oneTimePreKeys").asInt()).isEqualTo(1);

		for (int batch = 0; batch < 4; batch++) {
			topUp(frank, "phone", preKeys(1000 + batch * 100, 100)).expectStatus().isOk();
		}
		assertThat(count(frank, "phone").get("oneTimePreKeys").asInt()).isEqualTo(401);
		problem(topUp(frank, "phone", preKeys(5000, 100)), 409, "too_many_prekeys");
		problem(topUp(frank, "phone", preKeys(6000, 101)), 400, "validation_failed");
		assertThat(count(frank, "phone").get("oneTimePreKeys").asInt()).isEqualTo(401);

		problem(topUp(frank, "watch", preKeys(0, 1)), 404, "keys_not_found");
		problem(http.get().uri("/api/me/devices/watch/keys/count").headers(h -> h.setBearerAuth(frank.token())).exchange(), 404,
				"keys_not_found");
		problem(http.get().uri("/api/users/" + java.util.UUID.randomUUID() + "/keys").headers(h -> h.setBearerAuth(frank.token()))
			.exchange(), 404, "user_not_found");
		problem(http.get().uri("/api/users/" + frank.id() + "/keys?deviceId=watch").headers(h -> h.setBearerAuth(grace.token()))
			.exchange(), 404, "keys_not_found");
		User nobody = api.newUser("keyless");
		problem(http.get().uri("/api/users/" + nobody.id() + "/keys").headers(h -> h.setBearerAuth(grace.token())).exchange(), 404,
				"keys_not_found");
		problem(http.get().uri("/api/users/" + frank.id() + "/keys").exchange(), 401, "unauthorized");
	}

	@Test
	void aUserPublishesKeysForAtMostSixteenDevices() {
		User heidi = api.newUser("heidi");
		for (int i = 0; i < 16; i++) {
			publish(heidi, "device-" + i, key(32), 1, key(32), key(64), List.of()).expectStatus().isOk();
		}
		problem(publish(heidi, "device-16", key(32), 1, key(32), key(64), List.of()), 409, "too_many_devices");
		publish(heidi, "device-3", key(32), 2, key(32), key(64), List.of()).expectStatus().isOk();
		assertThat(fetch(heidi, heidi, null).get("devices")).hasSize(16);
	}

	private WebTestClient.ResponseSpec publish(User user, String device, String identityKey, int signedKeyId, String signedKey,
			String signature, List<Map<String, Object>> oneTimePreKeys) {
		return http.put().uri("/api/me/devices/" + device + "/keys").headers(h -> h.setBearerAuth(user.token()))
			.bodyValue(Map.of("identityKey", identityKey,
					"signedPreKey", Map.of("keyId", signedKeyId, "publicKey", signedKey, "signature", signature),
					"oneTimePreKeys", oneTimePreKeys))
			.exchange();
	}

	private WebTestClient.ResponseSpec topUp(User user, String device, List<Map<String, Object>> oneTimePreKeys) {
		return http.post().uri("/api/me/devices/" + device + "/keys/one-time").headers(h -> h.setBearerAuth(user.token()))
			.bodyValue(Map.of("oneTimePreKeys", oneTimePreKeys)).exchange();
	}

	private JsonNode fetch(User fetcher, User owner, String device) {
		return http.get().uri("/api/users/" + owner.id() + "/keys" + (device == null ? "" : "?deviceId=" + device))
			.headers(h -> h.setBearerAuth(fetcher.token())).exchange().expectStatus().isOk()
			.expectBody(JsonNode.class).returnResult().getResponseBody();
	}

	private JsonNode count(User user, String device) {
		return http.get().uri("/api/me/devices/" + device + "/keys/count").headers(h -> h.setBearerAuth(user.token()))
			.exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();
	}

	private static void problem(WebTestClient.ResponseSpec response, int status, String code) {
		response.expectStatus().isEqualTo(status)
			.expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody().jsonPath("$.code").isEqualTo(code);
	}

	private static List<Map<String, Object>> preKeys(int firstId, int count) {
		return IntStream.range(firstId, firstId + count).<Map<String, Object>>mapToObj(id -> Map.of("keyId", id, "publicKey", key(33)))
			.toList();
	}

	private static String key(int bytes) {
		byte[] key = new byte[bytes];
		random.nextBytes(key);
		return Base64.getEncoder().encodeToString(key);
	}
}
