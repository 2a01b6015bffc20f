package io.parley;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.ChatClient;
import io.parley.support.ParleyApi;
import io.parley.support.ParleyApi.User;
import io.parley.support.SecondNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import tools.jackson.databind.JsonNode;

/**
 * What an abuser runs into, on a node configured with tight limits (node 1's test limits are
 * generous, since every test logs in from 127.0.0.1): login throttling per account and per address,
 * the per-user send rate, the WebSocket Origin allow-list, and the Actuator behind the admin role.
 */
@ParleyIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AbuseLimitsTests {

	static final int PER_ACCOUNT = 3;
	static final int PER_ADDRESS = 8;
	static final int SENDS = 3;

	@LocalServerPort
	int port;

	ParleyApi api;
	User admin;
	SecondNode strict;
	ParleyApi strictApi;

	@BeforeAll
	void startAStrictNode() {
		api = new ParleyApi(port).awaitMessagePipeline();
		admin = api.newUser("operator");
		strict = SecondNode.start(Map.of(
				"parley.identity.login.attempts-per-account", PER_ACCOUNT,
				"parley.identity.login.attempts-per-address", PER_ADDRESS,
				"parley.identity.login.window", "10m",
				"parley.identity.admins", admin.id().toString(),
				"parley.identity.access-token-ttl", "4s",
				"parley.realtime.send-limit", SENDS,
				"parley.realtime.send-limit-period", "60s",
				"parley.realtime.allowed-origins", "https://chat.example.com"));
		strictApi = strict.api().awaitMessagePipeline();
	}

	@AfterAll
	void stop() {
		strict.close();
	}

	/** Last: it empties this address's login bucket on the strict node for the rest of the class. */
	@Test
	@Order(Integer.MAX_VALUE)
	void loginsAreThrottledPerAccountAndThenPerAddressWithRetryAfter() {
		WebTestClient http = strictApi.http();
		String victim = "victim-" + UUID.randomUUID().toString().substring(0, 8);
		http.post().uri("/api/auth/register").bodyValue(Map.of("username", victim, "password", "the right password"))
			.exchange().expectStatus().isCreated();
		for (int i = 0; i < PER_ACCOUNT; i++) {
			login(http, victim, "a wrong guess " + i).expectStatus().isUnauthorized();
		}
		// The account's bucket is empty: even the right password is not looked at now.
		String retryAfter = throttled(login(http, victim.toUpperCase(), "the right password"));
		assertThat(Long.parseLong(retryAfter)).isBetween(1L, 600L);

		// Other accounts from this address go on until the address's bucket is empty too.
		int attempts = PER_ACCOUNT + 1 + loginsBefore;
		List<Integer> statuses = new ArrayList<>();
		while (attempts < PER_ADDRESS) {
			statuses.add(login(http, "nobody-" + attempts, "whatever it is").returnResult(String.class).getStatus().value());
			attempts++;
		}
		assertThat(statuses).containsOnly(401);
		throttled(login(http, "somebody-else", "whatever it is"));
		// Node 1 keeps its own buckets (documented: per node).
		login(api.http(), "nobody-at-all", "whatever it is").expectStatus().isUnauthorized();
	}

	/** Logins on the strict node before the throttling test (they count against this address). */
	int loginsBefore;

	@Test
	@Order(1)
	void aShortAccessTokenTtlIsHonouredAndTheSocketLivesOnOnlyIfRenewedInBand() {
		User alice = api.newUser("alice");
		User bob = api.newUser("bob");
		UUID group = api.createGroup(bob, "Short tokens", alice);
		String password = "correct horse alice";
		WebTestClient http = strictApi.http();
		JsonNode renewing = strictLogin(http, alice.username(), password);
		JsonNode lapsing = strictLogin(http, alice.username(), password);
		assertThat(renewing.get("expiresIn").asLong()).isBetween(1L, 4L);
		try (ChatClient renewed = ChatClient.connect(strictApi.port(), renewing.get("accessToken").asString());
				ChatClient lapsed = ChatClient.connect(strictApi.port(), lapsing.get("accessToken").asString());
				ChatClient bobClient = api.connect(bob)) {
			// As the SDK does: on reauthenticate, refresh over REST (any node: node 1 issues tokens of the
			// test profile's usual lifetime) and hand the new token to the socket.
			renewed.expect("reauthenticate");
			JsonNode fresh = api.http().post().uri("/api/auth/refresh").bodyValue(Map.of("refreshToken", renewing.get("refreshToken").asString()))
				.exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();
			renewed.sendFrame(Map.of("type", "auth", "token", fresh.get("accessToken").asString()));
			renewed.expect("authenticated");

			lapsed.expect("reauthenticate");
			assertThat(lapsed.awaitClose().getCode()).isEqualTo(4001);
			bobClient.send(group, "after the first token's end");
			assertThat(renewed.expect("message").get("body").asString()).isEqualTo("after the first token's end");
		}
	}

	private JsonNode strictLogin(WebTestClient http, String username, String password) {
		loginsBefore++;
		return login(http, username, password).expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();
	}

	@Test
	void sendsBeyondTheUsersRateAreRefusedWithARetryHintAndNotStored() {
		User alice = api.newUser("alice");
		User bob = api.newUser("bob");
		UUID group = api.createGroup(alice, "Flood", bob);
		try (ChatClient first = strictApi.connect(alice); ChatClient second = strictApi.connect(alice);
				ChatClient bobClient = strictApi.connect(bob)) {
			for (int i = 0; i < SENDS; i++) {
				first.send(group, "message " + i);
				first.expect("ack");
				for (ChatClient member : List.of(first, second, bobClient)) {
					assertThat(member.expect("message").get("body").asString()).isEqualTo("message " + i);
				}
			}
			String refusedId = first.send(group, "one too many");
			JsonNode refused = first.expect("error");
			assertThat(refused.get("code").asString()).isEqualTo("rate_limited");
			assertThat(refused.get("ref").asString()).isEqualTo(refusedId);
			assertThat(refused.get("retryAfterMs").asLong()).isBetween(1L, 60_000L);
			// The limit is the user's, not the connection's ...
			second.send(group, "from another tab");
			assertThat(second.expect("error").get("code").asString()).isEqualTo("rate_limited");
			// ... and only the user's: Bob sends as usual.
			bobClient.send(group, "I am fine");
			bobClient.expect("ack");
		}
		assertThat(api.history(bob, group, null).get("messages").valueStream().map(m -> m.get("body").asString()))
			.containsExactlyInAnyOrder("message 0", "message 1", "message 2", "I am fine");
	}

	@Test
	void webSocketHandshakesFromOtherSitesAreRefused() {
		User alice = api.newUser("alice");
		for (ParleyApi node : List.of(api, strictApi)) {
			node.http().get().uri("/ws?access_token=" + alice.token()).header(HttpHeaders.ORIGIN, "https://evil.example")
				.exchange()
				.expectStatus().isForbidden()
				.expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
				.expectBody().jsonPath("$.code").isEqualTo("origin_not_allowed");
			// A page of the server's own origin may connect.
			HttpHeaders sameOrigin = new HttpHeaders();
			sameOrigin.setOrigin("http://localhost:" + node.port());
			try (ChatClient client = ChatClient.connectWithHeaders(node.port(), alice.token(), sameOrigin)) {
				assertThat(client.sessionId()).isNotBlank();
			}
		}
		HttpHeaders allowed = new HttpHeaders();
		allowed.setOrigin("https://chat.example.com");
		try (ChatClient client = ChatClient.connectWithHeaders(strictApi.port(), alice.token(), allowed)) {
			assertThat(client.sessionId()).isNotBlank();
		}
		// The same origin is not allowed on node 1, which has no allow-list.
		api.http().get().uri("/ws?access_token=" + alice.token()).header(HttpHeaders.ORIGIN, "https://chat.example.com")
			.exchange().expectStatus().isForbidden();
	}

	@Test
	void actuatorEndpointsBeyondHealthAndInfoNeedTheAdminRole() {
		User someone = api.newUser("someone");
		WebTestClient http = strictApi.http();
		http.get().uri("/actuator/health").exchange().expectStatus().isOk();
		http.get().uri("/actuator/info").exchange().expectStatus().isOk();
		http.get().uri("/actuator/metrics").exchange().expectStatus().isUnauthorized()
			.expectBody().jsonPath("$.code").isEqualTo("unauthorized");
		http.get().uri("/actuator/metrics").headers(h -> h.setBearerAuth(someone.token())).exchange()
			.expectStatus().isForbidden().expectBody().jsonPath("$.code").isEqualTo("forbidden");
		http.get().uri("/actuator/metrics").headers(h -> h.setBearerAuth(admin.token())).exchange()
			.expectStatus().isOk().expectBody().jsonPath("$.names").isArray();
		// On node 1 the same user is no admin: the role comes from the node's configuration.
		api.http().get().uri("/actuator/metrics").headers(h -> h.setBearerAuth(admin.token())).exchange()
			.expectStatus().isForbidden();
	}

	private static WebTestClient.ResponseSpec login(WebTestClient http, String username, String password) {
		return http.post().uri("/api/auth/login").bodyValue(Map.of("username", username, "password", password)).exchange();
	}

	/** Asserts a 429 too_many_attempts problem and returns its Retry-After. */
	private static String throttled(WebTestClient.ResponseSpec response) {
		var result = response.expectStatus().isEqualTo(429)
			.expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody(JsonNode.class).returnResult();
		assertThat(result.getResponseBody().get("code").asString()).isEqualTo("too_many_attempts");
		String retryAfter = result.getResponseHeaders().getFirst(HttpHeaders.RETRY_AFTER);
		assertThat(retryAfter).as("Retry-After").isNotBlank();
		return retryAfter;
	}
}
