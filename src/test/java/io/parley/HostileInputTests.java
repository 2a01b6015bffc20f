package io.parley;

import static org.assertj.core.api.Assertions.assertThat;

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
 * Inputs a QA engineer found that once broke things: each one now gets a documented answer, and the
 * node stays responsive for everybody else.
 */
@ParleyIntegrationTest
class HostileInputTests {

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

	@Test
	void aHugeBeforeCursorAnswersAtOnceInsteadOfWalkingEmptyBuckets() {
		User alice = api.newUser("alice");
		UUID group = api.createGroup(alice, "Cursor");
		for (int i = 0; i < 30; i++) { // thirty at once would have held thirty blocking threads for good
			JsonNode page = api.history(alice, group, "before=" + Long.MAX_VALUE);
			assertThat(page.get("messages").size()).isZero();
		}
		assertThat(api.newUser("still-served").token()).isNotBlank();
	}

	@Test
	void clientMessageIdsWithBrokenUnicodeAreRefusedNotMerged() {
		User alice = api.newUser("alice");
		UUID group = api.createGroup(alice, "Surrogates");
		try (ChatClient client = api.connect(alice)) {
			client.sendRaw("{\"type\":\"send\",\"conversationId\":\"" + group + "\",\"clientMessageId\":\"id-\\ud800\",\"body\":\"first\"}");
			assertThat(client.expect("error").get("code").asString()).isEqualTo("validation_failed");
			client.sendRaw("{\"type\":\"ping\",\"ref\":\"r\\ud800\"}");
			assertThat(client.expect("pong").has("ref")).isFalse(); // never echoed back altered
			client.send(group, "🙂".repeat(64), "emoji ids count code points"); // 64 code points, 128 UTF-16 units
			assertThat(client.expect("ack").get("clientMessageId").asString()).isEqualTo("🙂".repeat(64));
		}
	}

	@Test
	void passwordsLongerThanBcryptReadsAreRefusedNotTruncatedOrCrashing() {
		String longPassword = "😀".repeat(19); // 19 code points, 76 bytes
		problem(http.post().uri("/api/auth/register").bodyValue(Map.of("username", "longpw" + System.nanoTime() % 100000,
				"password", longPassword)).exchange(), 400, "validation_failed");
		problem(http.post().uri("/api/auth/login").bodyValue(Map.of("username", "someone", "password", "a".repeat(100)))
			.exchange(), 401, "invalid_credentials");
	}

	@Test
	void nulAndLoneSurrogatesInTextGetValidationErrorsNot500() {
		User alice = api.newUser("alice");
		problem(http.post().uri("/api/auth/login").contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"username\":\"a\\u0000b\",\"password\":\"whatever1\"}").exchange(), 401, "invalid_credentials");
		problem(http.get().uri("/api/users?username=a%00b").headers(h -> h.setBearerAuth(alice.token())).exchange(), 404,
				"user_not_found");
		problem(http.post().uri("/api/conversations").headers(h -> h.setBearerAuth(alice.token()))
			.contentType(MediaType.APPLICATION_JSON).bodyValue("{\"name\":\"nul\\u0000name\"}").exchange(), 400,
				"validation_failed");
		problem(http.post().uri("/api/conversations").headers(h -> h.setBearerAuth(alice.token()))
			.contentType(MediaType.APPLICATION_JSON).bodyValue("{\"name\":\"bad\\ud800name\"}").exchange(), 400,
				"validation_failed");
	}

	@Test
	void validlySignedTokensForNoAccountAreRefusedCleanly() {
		String notAnId = token("admin");
		problem(http.get().uri("/api/conversations").headers(h -> h.setBearerAuth(notAnId)).exchange(), 401, "unauthorized");
		String ghost = token(UUID.randomUUID().toString());
		problem(http.post().uri("/api/conversations").headers(h -> h.setBearerAuth(ghost)).bodyValue(Map.of("name", "boo"))
			.exchange(), 404, "user_not_found");
		problem(http.get().uri("/api/me").headers(h -> h.setBearerAuth(ghost)).exchange(), 404, "user_not_found");
	}

	private String token(String subject) {
		Instant now = Instant.now();
		JwtClaimsSet claims = JwtClaimsSet.builder().issuer(identity.issuer()).subject(subject).issuedAt(now)
			.expiresAt(now.plus(Duration.ofMinutes(5))).build();
		return jwtEncoder.encode(JwtEncoderParameters.from(JwsHeader.with(MacAlgorithm.HS256).build(), claims)).getTokenValue();
	}

	private static void problem(WebTestClient.ResponseSpec response, int status, String code) {
		response.expectStatus().isEqualTo(status)
			.expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody().jsonPath("$.code").isEqualTo(code);
	}
}
