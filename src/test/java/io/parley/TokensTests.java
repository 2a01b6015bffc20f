package io.parley;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.identity.IdentitySettings;
import io.parley.support.ChatClient;
import io.parley.support.ParleyApi;
import io.parley.support.ParleyApi.User;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.test.web.reactive.server.WebTestClient;

import tools.jackson.databind.JsonNode;

/**
 * Short-lived access tokens, rotating refresh tokens, and live sockets that end with their token
 * (fault B15): Alice logs in on two devices, refreshes, logs out on one; a thief replays a spent
 * refresh token; a socket whose token runs out is asked to renew, and closed with 4001 if it does not.
 */
@ParleyIntegrationTest
class TokensTests {

	@LocalServerPort
	int port;

	@Autowired
	JwtEncoder jwtEncoder;

	@Autowired
	IdentitySettings identity;

	ParleyApi api;
	WebTestClient http;

	@BeforeEach
	void setUp() {
		api = new ParleyApi(port).awaitMessagePipeline();
		http = api.http();
	}

	/** One login (a device): its access and refresh tokens. */
	record Login(UUID userId, String accessToken, String refreshToken, Instant expiresAt) {
	}

	@Test
	void everyRefreshRotatesAndASpentRefreshTokenEndsTheWholeLogin() {
		String name = "rotating-" + UUID.randomUUID().toString().substring(0, 8);
		register(name);
		Login first = login(name);
		assertThat(first.refreshToken()).hasSizeGreaterThanOrEqualTo(43); // 256 random bits, base64url
		assertThat(Duration.between(Instant.now(), first.expiresAt())).isLessThanOrEqualTo(identity.accessTokenTtl());

		Login second = refresh(first.refreshToken());
		assertThat(second.refreshToken()).isNotEqualTo(first.refreshToken());
		assertThat(second.userId()).isEqualTo(first.userId());
		http.get().uri("/api/me").headers(h -> h.setBearerAuth(second.accessToken())).exchange()
			.expectStatus().isOk().expectBody().jsonPath("$.username").isEqualTo(name);
		Login third = refresh(second.refreshToken());

		try (ChatClient device = ChatClient.connect(port, third.accessToken())) {
			// A thief replays the first, spent token: refused, and the family is revoked ...
			refreshRefused(first.refreshToken(), "refresh_token_reused");
			// ... so the newest token of that login is dead too, and so is its live socket.
			refreshRefused(third.refreshToken(), "invalid_refresh_token");
			assertThat(device.awaitClose().getCode()).isEqualTo(4002);
		}
		// A new login is a new family, unaffected.
		Login again = login(name);
		assertThat(refresh(again.refreshToken()).accessToken()).isNotBlank();
	}

	@Test
	void logoutEndsThatLoginsRefreshTokensAndSocketsButNotTheOtherDevice() {
		String name = "two-devices-" + UUID.randomUUID().toString().substring(0, 8);
		register(name);
		Login phone = login(name);
		Login laptop = login(name);
		User bob = api.newUser("bob");
		http.post().uri("/api/conversations").headers(h -> h.setBearerAuth(bob.token()))
			.bodyValue(Map.of("name", "Watchers", "memberIds", java.util.List.of(phone.userId()))).exchange()
			.expectStatus().isCreated();
		try (ChatClient onPhone = ChatClient.connect(port, phone.accessToken());
				ChatClient onLaptop = ChatClient.connect(port, laptop.accessToken());
				ChatClient watcher = api.connect(bob)) {
			watcher.subscribePresence(phone.userId());
			assertThat(watcher.expect("presence.state").get("users").get(0).get("status").asString()).isEqualTo("online");
			http.post().uri("/api/auth/logout").headers(h -> h.setBearerAuth(phone.accessToken())).exchange()
				.expectStatus().isNoContent();

			assertThat(onPhone.awaitClose().getCode()).isEqualTo(4002);
			refreshRefused(phone.refreshToken(), "invalid_refresh_token");
			onLaptop.sendFrame(Map.of("type", "ping", "ref", "still-here"));
			assertThat(onLaptop.expect("pong").get("ref").asString()).isEqualTo("still-here");
			Login laptopRefreshed = refresh(laptop.refreshToken());

			// Logging out everywhere ends the laptop's login too.
			http.post().uri("/api/auth/logout").headers(h -> h.setBearerAuth(laptopRefreshed.accessToken()))
				.contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("allDevices", true)).exchange()
				.expectStatus().isNoContent();
			long signedOut = System.nanoTime();
			assertThat(onLaptop.awaitClose().getCode()).isEqualTo(4002);
			// Offline at once, not after the presence TTL (15 s): a sign-out is a deliberate end.
			assertThat(watcher.expect("presence").get("status").asString()).isEqualTo("offline");
			assertThat(Duration.ofNanos(System.nanoTime() - signedOut)).isLessThan(Duration.ofSeconds(8));
			refreshRefused(laptopRefreshed.refreshToken(), "invalid_refresh_token");
		}
		http.post().uri("/api/auth/logout").exchange().expectStatus().isUnauthorized();
	}

	@Test
	void aSocketWhoseTokenExpiresIsAskedToRenewAndClosedWith4001WhenItDoesNot() {
		User alice = api.newUser("alice");
		User bob = api.newUser("bob");
		UUID group = api.createGroup(bob, "Expiry", alice);
		Instant expiresAt = Instant.now().plusSeconds(4);
		try (ChatClient stale = ChatClient.connect(port, token(alice.id(), expiresAt));
				ChatClient bobClient = api.connect(bob)) {
			JsonNode ask = stale.expect("reauthenticate");
			assertThat(Instant.parse(ask.get("expiresAt").asString())).isEqualTo(expiresAt.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
			assertThat(stale.awaitClose().getCode()).isEqualTo(4001);
			assertThat(Instant.now()).isAfterOrEqualTo(expiresAt.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));

			// Nothing reaches the closed connection; Bob's message is stored and reaches Alice's next login.
			bobClient.send(group, "after your token expired");
			bobClient.expect("ack");
			try (ChatClient fresh = api.connect(alice, group, 0)) {
				assertThat(fresh.expect("message").get("body").asString()).isEqualTo("after your token expired");
			}
		}
	}

	/** The same on the HTTP transports: the stream's close event, or the poll's {@code closed}, says 4001. */
	@org.junit.jupiter.params.ParameterizedTest
	@org.junit.jupiter.params.provider.EnumSource(value = ChatClient.Transport.class, names = { "SSE", "LONG_POLL" })
	void anHttpSessionWhoseTokenExpiresEndsWith4001Too(ChatClient.Transport transport) {
		User alice = api.newUser("alice");
		Instant expiresAt = Instant.now().plusSeconds(4);
		try (ChatClient session = ChatClient.connect(port, token(alice.id(), expiresAt), null, transport)) {
			assertThat(session.expect("reauthenticate").has("expiresAt")).isTrue();
			assertThat(session.awaitClose().getCode()).isEqualTo(4001);
		}
	}

	@Test
	void aSocketThatSendsAFreshTokenInBandLivesOnPastTheOldExpiry() {
		User alice = api.newUser("alice");
		User bob = api.newUser("bob");
		UUID group = api.createGroup(bob, "Renewal", alice);
		Instant expiresAt = Instant.now().plusSeconds(4);
		try (ChatClient renewing = ChatClient.connect(port, token(alice.id(), expiresAt));
				ChatClient bobClient = api.connect(bob)) {
			renewing.expect("reauthenticate");
			// Someone else's token renews nothing.
			renewing.sendFrame(Map.of("type", "auth", "token", bob.token(), "ref", "wrong"));
			JsonNode refused = renewing.expect("error");
			assertThat(refused.get("code").asString()).isEqualTo("invalid_token");
			assertThat(refused.get("ref").asString()).isEqualTo("wrong");

			renewing.sendFrame(Map.of("type", "auth", "token", alice.token(), "ref", "fresh"));
			JsonNode renewed = renewing.expect("authenticated");
			assertThat(renewed.get("ref").asString()).isEqualTo("fresh");
			assertThat(Instant.parse(renewed.get("expiresAt").asString())).isAfter(expiresAt.plusSeconds(60));

			await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(expiresAt.plusSeconds(1)));
			bobClient.send(group, "still with us?");
			assertThat(renewing.expect("message").get("body").asString()).isEqualTo("still with us?");
		}
	}

	@Test
	void refreshTokensThatWereNeverIssuedAreRefused() {
		refreshRefused("not-a-token", "invalid_refresh_token");
		http.post().uri("/api/auth/refresh").contentType(MediaType.APPLICATION_JSON).bodyValue("{}").exchange()
			.expectStatus().isBadRequest().expectBody().jsonPath("$.code").isEqualTo("validation_failed");
	}

	private void register(String name) {
		http.post().uri("/api/auth/register").bodyValue(Map.of("username", name, "password", "password of " + name))
			.exchange().expectStatus().isCreated();
	}

	private Login login(String name) {
		return read(http.post().uri("/api/auth/login").bodyValue(Map.of("username", name, "password", "password of " + name))
			.exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody());
	}

	private Login refresh(String refreshToken) {
		return read(http.post().uri("/api/auth/refresh").bodyValue(Map.of("refreshToken", refreshToken))
			.exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody());
	}

	private void refreshRefused(String refreshToken, String code) {
		http.post().uri("/api/auth/refresh").bodyValue(Map.of("refreshToken", refreshToken)).exchange()
			.expectStatus().isUnauthorized()
			.expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody().jsonPath("$.code").isEqualTo(code);
	}

	private static Login read(JsonNode body) {
		assertThat(body.get("tokenType").asString()).isEqualTo("Bearer");
		return new Login(UUID.fromString(body.get("userId").asString()), body.get("accessToken").asString(),
				body.get("refreshToken").asString(), Instant.parse(body.get("expiresAt").asString()));
	}

	/** An access token of the user that expires at the given time (as a short access-token-ttl would issue). */
	private String token(UUID userId, Instant expiresAt) {
		Instant now = Instant.now();
		JwtClaimsSet claims = JwtClaimsSet.builder().issuer(identity.issuer()).subject(userId.toString()).issuedAt(now)
			.expiresAt(expiresAt).build();
		return jwtEncoder.encode(JwtEncoderParameters.from(JwsHeader.with(MacAlgorithm.HS256).build(), claims)).getTokenValue();
	}
}
