package io.parley;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.ChatClient;
import io.parley.support.ParleyApi;
import io.parley.support.ParleyApi.User;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpMethod;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerMapping;

import tools.jackson.databind.JsonNode;

/**
 * Nobody reads or writes where they do not belong. Every REST endpoint and every client frame type is
 * tried as an anonymous caller, a user outside the group, a plain member, a group admin and the
 * group's owner, and each must get exactly the status (or frame) and code stated here. Two checks keep
 * the matrix complete: every mapping of the running application, and every case of the Protobuf
 * {@code ClientFrame} (the list of frame types), must appear in it. (The Actuator's own admin role is
 * shown in {@link AbuseLimitsTests}.)
 */
@ParleyIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthorizationMatrixTests {

	enum Role {
		ANONYMOUS, NON_MEMBER, MEMBER, ADMIN, OWNER
	}

	@LocalServerPort
	int port;

	@Autowired
	@Qualifier("requestMappingHandlerMapping")
	RequestMappingHandlerMapping mappings;

	ParleyApi api;
	WebTestClient http;
	User owner;
	User admin;
	User member;
	User outsider;
	UUID group;
	/** Messages of the owner: one for edits, one for deletes. */
	long editable;
	long deletable;

	@BeforeAll
	void aGroupWithEveryRole() {
		api = new ParleyApi(port).awaitMessagePipeline();
		http = api.http();
		owner = api.newUser("owner");
		admin = api.newUser("admin");
		member = api.newUser("member");
		outsider = api.newUser("outsider");
		group = api.createGroup(owner, "Matrix", member);
		http.post().uri("/api/conversations/" + group + "/members").headers(h -> h.setBearerAuth(owner.token()))
			.bodyValue(Map.of("userId", admin.id(), "role", "admin")).exchange().expectStatus().isOk();
		try (ChatClient client = api.connect(owner)) {
			client.send(group, "edit me");
			editable = client.expect("ack").get("seq").asLong();
			client.expect("message");
			client.send(group, "delete me");
			deletable = client.expect("ack").get("seq").asLong();
			client.expect("message");
		}
	}

	// ------------------------------------------------------------------ REST

	/** One endpoint and what each role gets: "200", or "404 conversation_not_found". */
	record Row(String endpoint, String anonymous, String nonMember, String member, String admin, String owner) {

		String expected(Role role) {
			return switch (role) {
				case ANONYMOUS -> anonymous;
				case NON_MEMBER -> nonMember;
				case MEMBER -> member;
				case ADMIN -> admin;
				case OWNER -> owner;
			};
		}
	}

	static final String UNAUTHORIZED = "401 unauthorized";

	static final List<Row> REST = List.of(
			// Public: the same for everyone (a caller's token changes nothing).
			new Row("POST /api/auth/register", "201", "201", "201", "201", "201"),
			new Row("POST /api/auth/login", "200", "200", "200", "200", "200"),
			new Row("POST /api/auth/refresh", "401 invalid_refresh_token", "401 invalid_refresh_token",
					"401 invalid_refresh_token", "401 invalid_refresh_token", "401 invalid_refresh_token"),
			// Any signed-in user, about themselves.
			new Row("POST /api/auth/logout", UNAUTHORIZED, "204", "204", "204", "204"),
			new Row("GET /api/me", UNAUTHORIZED, "200", "200", "200", "200"),
			new Row("GET /api/users", UNAUTHORIZED, "200", "200", "200", "200"),
			new Row("GET /api/conversations", UNAUTHORIZED, "200", "200", "200", "200"),
			new Row("POST /api/conversations", UNAUTHORIZED, "201", "201", "201", "201"),
			new Row("POST /api/conversations/direct", UNAUTHORIZED, "200", "200", "200", "200"),
			new Row("GET /api/presence", UNAUTHORIZED, "200", "200", "200", "200"),
			new Row("GET /api/me/privacy", UNAUTHORIZED, "200", "200", "200", "200"),
			new Row("PUT /api/me/privacy", UNAUTHORIZED, "200", "200", "200", "200"),
			new Row("GET /api/me/unread", UNAUTHORIZED, "200", "200", "200", "200"),
			new Row("POST /api/me/push-tokens", UNAUTHORIZED, "201", "201", "201", "201"),
			new Row("GET /api/me/push-tokens", UNAUTHORIZED, "200", "200", "200", "200"),
			// The key directory: each caller writes only their own devices' keys; any signed-in user fetches a bundle.
			new Row("PUT /api/me/devices/{deviceId}/keys", UNAUTHORIZED, "200", "200", "200", "200"),
			new Row("POST /api/me/devices/{deviceId}/keys/one-time", UNAUTHORIZED, "200", "200", "200", "200"),
			new Row("GET /api/me/devices/{deviceId}/keys/count", UNAUTHORIZED, "200", "200", "200", "200"),
			new Row("DELETE /api/me/devices/{deviceId}/keys", UNAUTHORIZED, "204", "204", "204", "204"),
			new Row("GET /api/users/{userId}/keys", UNAUTHORIZED, "200", "200", "200", "200"),
			// The owner's device: only its user may remove it; to anyone else it does not exist.
			new Row("DELETE /api/me/push-tokens/{id}", UNAUTHORIZED, "404 device_not_found", "404 device_not_found",
					"404 device_not_found", "204"),
			// The group: members read, owner and admins manage, outsiders learn nothing.
			new Row("GET /api/conversations/{id}", UNAUTHORIZED, "404 conversation_not_found", "200", "200", "200"),
			new Row("GET /api/conversations/{id}/messages", UNAUTHORIZED, "404 conversation_not_found", "200", "200", "200"),
			new Row("POST /api/conversations/{id}/members", UNAUTHORIZED, "404 conversation_not_found",
					"403 insufficient_role", "200", "200"),
			new Row("DELETE /api/conversations/{id}/members/{userId}", UNAUTHORIZED, "404 conversation_not_found",
					"403 insufficient_role", "204", "204"),
			new Row("POST /api/conversations/{id}/read", UNAUTHORIZED, "404 not_a_member", "200", "200", "200"),
			new Row("POST /api/conversations/{id}/delivered", UNAUTHORIZED, "404 not_a_member", "200", "200", "200"),
			new Row("GET /api/conversations/{id}/receipts", UNAUTHORIZED, "404 not_a_member", "200", "200", "200"),
			new Row("PUT /api/conversations/{id}/mute", UNAUTHORIZED, "404 not_a_member", "204", "204", "204"),
			new Row("DELETE /api/conversations/{id}/mute", UNAUTHORIZED, "404 not_a_member", "204", "204", "204"),
			// Live sessions over HTTP (SSE, long polling): a session is its user's; to anyone else it does not exist.
			new Row("GET /sse", UNAUTHORIZED, "200", "200", "200", "200"),
			new Row("POST /api/sessions", UNAUTHORIZED, "201", "201", "201", "201"),
			// Polling someone else's session id opens a new session of the caller's own (as for an expired one):
			// "200 own" checks that its frames are the caller's and its id is not the owner's.
			new Row("GET /api/sessions/{sessionId}/events", UNAUTHORIZED, "200 own", "200 own", "200 own", "200"),
			new Row("POST /api/sessions/{sessionId}/frames", UNAUTHORIZED, "404 session_not_found", "404 session_not_found",
					"404 session_not_found", "202"),
			new Row("DELETE /api/sessions/{sessionId}", UNAUTHORIZED, "404 session_not_found", "404 session_not_found",
					"404 session_not_found", "204"),
			// Operations: health and info are open; the rest needs the ADMIN role, which no user here has.
			new Row("GET /actuator/health", "200", "200", "200", "200", "200"),
			new Row("GET /actuator/info", "200", "200", "200", "200", "200"),
			new Row("GET /actuator/metrics", UNAUTHORIZED, "403 forbidden", "403 forbidden", "403 forbidden", "403 forbidden"));

	Stream<Arguments> restCases() {
		return REST.stream().flatMap(row -> Stream.of(Role.values()).map(role -> Arguments.of(row.endpoint(), role, row.expected(role))));
	}

	@ParameterizedTest(name = "{1} {0} -> {2}")
	@MethodSource("restCases")
	void restEndpoint(String endpoint, Role role, String expected) {
		String[] parts = expected.split(" ");
		if (endpoint.equals("GET /sse")) { // an endless stream: the status, then cancel
			var stream = call(endpoint, role).returnResult(String.class);
			assertThat(stream.getStatus().value()).as("%s as %s", endpoint, role).isEqualTo(Integer.parseInt(parts[0]));
			if (parts.length > 1) {
				assertThat(String.join("", stream.getResponseBody().collectList().block(java.time.Duration.ofSeconds(10))))
					.contains("\"code\":\"" + parts[1] + "\"");
			}
			else {
				assertThat(stream.getResponseBody().blockFirst(java.time.Duration.ofSeconds(10))).contains("welcome");
			}
			return;
		}
		EntityExchangeResult<JsonNode> result = call(endpoint, role).expectBody(JsonNode.class).returnResult();
		assertThat(result.getStatus().value()).as("%s as %s: %s", endpoint, role, result.getResponseBody()).isEqualTo(
				Integer.parseInt(parts[0]));
		if (parts.length > 1 && parts[1].equals("own")) {
			JsonNode poll = result.getResponseBody();
			assertThat(poll.get("sessionId").asString()).isNotEqualTo(lastSession);
			assertThat(poll.get("events").get(0).get("userId").asString()).isEqualTo(actor(role).id().toString());
		}
		else if (parts.length > 1) {
			assertThat(result.getResponseBody().get("code").asString()).isEqualTo(parts[1]);
		}
	}

	private User actor(Role role) {
		return switch (role) {
			case ANONYMOUS -> null;
			case NON_MEMBER -> outsider;
			case MEMBER -> member;
			case ADMIN -> admin;
			case OWNER -> owner;
		};
	}

	@Test
	void theMatrixNamesEveryRestEndpointOfTheApplication() {
		Set<String> mapped = mappings.getHandlerMethods().keySet().stream()
			.flatMap(info -> info.getPatternsCondition().getPatterns().stream()
				.flatMap(pattern -> info.getMethodsCondition().getMethods().stream().map(m -> m.name() + " " + pattern)))
			.collect(Collectors.toCollection(TreeSet::new));
		Set<String> inMatrix = REST.stream().map(Row::endpoint).collect(Collectors.toSet());
		assertThat(mapped).isNotEmpty();
		assertThat(inMatrix).containsAll(mapped);
	}

	private WebTestClient.ResponseSpec call(String endpoint, Role role) {
		User actor = switch (role) {
			case ANONYMOUS -> null;
			case NON_MEMBER -> outsider;
			case MEMBER -> member;
			case ADMIN -> admin;
			case OWNER -> owner;
		};
		String[] methodAndPath = endpoint.split(" ");
		HttpMethod method = HttpMethod.valueOf(methodAndPath[0]);
		String path = methodAndPath[1].replace("/api/conversations/{id}", "/api/conversations/" + group);
		Object body = null;
		switch (endpoint) {
			case "POST /api/auth/register" -> body = Map.of("username", "new-" + UUID.randomUUID().toString().substring(0, 8),
					"password", "a good password");
			case "POST /api/auth/login" -> {
				User fresh = api.newUser("login");
				body = Map.of("username", fresh.username(), "password", "correct horse login");
			}
			case "POST /api/auth/refresh" -> body = Map.of("refreshToken", "forged-" + UUID.randomUUID());
			case "GET /api/users" -> path = "/api/users?username=" + owner.username();
			case "POST /api/conversations" -> body = Map.of("name", "Own group");
			// A fresh peer: a 1:1 with the owner would make the outsider someone who shares a conversation with them.
			case "POST /api/conversations/direct" -> body = Map.of("userId", api.newUser("peer").id());
			case "GET /api/presence" -> path = "/api/presence?userIds=" + owner.id();
			case "PUT /api/me/privacy" -> body = Map.of("hideLastSeen", false);
			case "POST /api/me/push-tokens" -> body = Map.of("platform", "webhook", "token", "device-" + UUID.randomUUID());
			case "DELETE /api/me/push-tokens/{id}" -> path = "/api/me/push-tokens/"
					+ api.registerPushToken(owner, "owners-device-" + UUID.randomUUID());
			case "POST /api/conversations/{id}/members" -> body = Map.of("userId", api.newUser("joiner").id());
			case "DELETE /api/conversations/{id}/members/{userId}" -> {
				User target = api.newUser("leaver");
				api.addMember(owner, group, target);
				path = path.replace("{userId}", target.id().toString());
			}
			case "POST /api/conversations/{id}/read", "POST /api/conversations/{id}/delivered" -> body = Map.of("seq", 1);
			case "GET /api/sessions/{sessionId}/events", "DELETE /api/sessions/{sessionId}" -> path = path.replace("{sessionId}",
					ownersSession());
			case "POST /api/sessions/{sessionId}/frames" -> {
				path = path.replace("{sessionId}", ownersSession());
				body = "{\"type\":\"ping\",\"ref\":\"p\"}";
			}
			case "GET /api/conversations/{id}/receipts" -> path = path + "?seq=" + editable;
			case "PUT /api/me/devices/{deviceId}/keys" -> {
				path = path.replace("{deviceId}", "matrix-" + UUID.randomUUID().toString().substring(0, 8));
				body = keyPublication();
			}
			case "POST /api/me/devices/{deviceId}/keys/one-time", "GET /api/me/devices/{deviceId}/keys/count",
					"DELETE /api/me/devices/{deviceId}/keys" -> {
				// The caller's own device, with keys published first (an anonymous caller has none).
				String device = "matrix-" + UUID.randomUUID().toString().substring(0, 8);
				if (actor != null) {
					http.put().uri("/api/me/devices/" + device + "/keys").headers(h -> h.setBearerAuth(actor.token()))
						.bodyValue(keyPublication()).exchange().expectStatus().isOk();
				}
				path = path.replace("{deviceId}", device);
				if (endpoint.startsWith("POST")) {
					body = Map.of("oneTimePreKeys", List.of(Map.of("keyId", 900, "publicKey", randomKey())));
				}
			}
			case "GET /api/users/{userId}/keys" -> {
				http.put().uri("/api/me/devices/owners-phone/keys").headers(h -> h.setBearerAuth(owner.token()))
					.bodyValue(keyPublication()).exchange().expectStatus().isOk();
				path = path.replace("{userId}", owner.id().toString());
			}
			default -> {
			}
		}
		WebTestClient.RequestBodySpec request = http.method(method).uri(path);
		if (body instanceof String) {
			request.contentType(org.springframework.http.MediaType.APPLICATION_JSON);
		}
		if (actor != null) {
			request.headers(h -> h.setBearerAuth(actor.token()));
		}
		return body == null ? request.exchange() : request.bodyValue(body).exchange();
	}

	private static String randomKey() {
		return randomBytes(32);
	}

	private static String randomBytes(int n) {
		byte[] key = new byte[n];
		new java.security.SecureRandom().nextBytes(key);
		return java.util.Base64.getEncoder().encodeToString(key);
	}

	/** An identity key, a signed pre-key and two one-time pre-keys: opaque bytes to Parley. */
	private static Map<String, Object> keyPublication() {
		return Map.of("identityKey", randomKey(),
				"signedPreKey", Map.of("keyId", 1, "publicKey", randomKey(), "signature", randomBytes(64)),
				"oneTimePreKeys", List.of(Map.of("keyId", 1, "publicKey", randomKey()), Map.of("keyId", 2, "publicKey", randomKey())));
	}

	/** The owner's session the last case was about. */
	String lastSession;

	/** A long-poll session of the owner's, new for each case. */
	private String ownersSession() {
		return lastSession = http.post().uri("/api/sessions").headers(h -> h.setBearerAuth(owner.token())).exchange()
			.expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody().get("sessionId").asString();
	}

	// ------------------------------------------------------------------ frames

	/**
	 * One frame type and the first answer each role gets: a frame type ("ack"), an error code
	 * ("error not_a_member"), or "none" (nothing: the next ping's pong comes first). A {@code message}
	 * delivered meanwhile is not an answer and is skipped.
	 */
	record FrameRow(String type, String nonMember, String member, String admin, String owner) {

		String expected(Role role) {
			return switch (role) {
				case NON_MEMBER -> nonMember;
				case MEMBER -> member;
				case ADMIN -> admin;
				case OWNER -> owner;
				case ANONYMOUS -> throw new IllegalArgumentException("anonymous callers get no socket at all");
			};
		}
	}

	static final String NOT_A_MEMBER = "error not_a_member";

	static final List<FrameRow> FRAMES = List.of(
			new FrameRow("send", NOT_A_MEMBER, "ack", "ack", "ack"),
			new FrameRow("edit", NOT_A_MEMBER, "error not_author", "error not_author", "ack"),
			new FrameRow("delete", NOT_A_MEMBER, "error not_author", "error not_author", "ack"),
			new FrameRow("resume", NOT_A_MEMBER, "resumed", "resumed", "resumed"),
			new FrameRow("fetch", NOT_A_MEMBER, "range", "range", "range"),
			new FrameRow("typing.start", NOT_A_MEMBER, "none", "none", "none"),
			new FrameRow("typing.renew", NOT_A_MEMBER, "none", "none", "none"),
			new FrameRow("typing.stop", NOT_A_MEMBER, "none", "none", "none"),
			new FrameRow("receipt.read", NOT_A_MEMBER, "none", "none", "none"),
			new FrameRow("receipt.delivered", NOT_A_MEMBER, "none", "none", "none"),
			// Presence: the owner is visible only to those who share a conversation with them.
			new FrameRow("presence.subscribe", "presence.state without owner", "presence.state with owner",
					"presence.state with owner", "presence.state with owner"),
			new FrameRow("presence.set", "none", "none", "none", "none"),
			new FrameRow("ping", "pong", "pong", "pong", "pong"),
			new FrameRow("auth", "authenticated", "authenticated", "authenticated", "authenticated"));

	Stream<Arguments> frameCases() {
		return FRAMES.stream().flatMap(row -> Stream.of(Role.NON_MEMBER, Role.MEMBER, Role.ADMIN, Role.OWNER)
			.map(role -> Arguments.of(row.type(), role, row.expected(role))));
	}

	@ParameterizedTest(name = "{1} {0} -> {2}")
	@MethodSource("frameCases")
	void clientFrame(String type, Role role, String expected) {
		User actor = role == Role.NON_MEMBER ? outsider : role == Role.MEMBER ? member : role == Role.ADMIN ? admin : owner;
		try (ChatClient client = api.connect(actor)) {
			client.sendFrame(frame(type, actor));
			client.sendFrame(Map.of("type", "ping", "ref", "after"));
			JsonNode answer = answerTo(client);
			String got = answer == null ? "none" : answer.get("type").asString();
			if (got.equals("error")) {
				got = "error " + answer.get("code").asString();
			}
			else if (got.equals("presence.state")) {
				boolean seesOwner = answer.get("users").valueStream()
					.anyMatch(u -> u.get("userId").asString().equals(owner.id().toString()));
				got = "presence.state " + (seesOwner ? "with owner" : "without owner");
			}
			assertThat(got).as("%s as %s: %s", type, role, answer).isEqualTo(expected);
		}
	}

	/**
	 * The first frame that answers: delivered messages and other members' typing and presence signals
 * (from the cases before) are skipped, and so is the pong of the ping sent
	 * after the frame. Some answers come after that pong (an ack waits for the sequencer, a refusal for
	 * a membership look-up), so once the pong is in, a second more is given for one; null: no answer.
	 */
	private static JsonNode answerTo(ChatClient client) {
		boolean pongSeen = false;
		while (true) {
			JsonNode frame = pongSeen ? client.nextWithin(java.time.Duration.ofSeconds(1)) : client.next();
			if (frame == null) {
				return null;
			}
			String type = frame.get("type").asString();
			if (type.equals("pong") && frame.has("ref") && frame.get("ref").asString().equals("after")) {
				pongSeen = true;
			}
			else if (!type.equals("message") && !type.equals("typing") && !type.equals("presence")) {
				return frame; // messages, and other members' typing and presence, are not answers
			}
		}
	}

	@Test
	void anonymousCallersGetNoSocket() {
		http.get().uri("/ws").exchange().expectStatus().isUnauthorized().expectBody().jsonPath("$.code").isEqualTo("unauthorized");
		http.get().uri("/ws?access_token=forged").exchange().expectStatus().isUnauthorized();
	}

	@Test
	void theMatrixNamesEveryClientFrameType() {
		Set<String> types = io.parley.realtime.proto.ClientFrame.getDescriptor().getOneofs().get(0).getFields().stream()
			.map(field -> field.getName().replace('_', '.'))
			.collect(Collectors.toCollection(TreeSet::new));
		Set<String> inMatrix = FRAMES.stream().map(FrameRow::type).collect(Collectors.toCollection(TreeSet::new));
		assertThat(inMatrix).isEqualTo(types);
	}

	private Map<String, Object> frame(String type, User actor) {
		String conversation = group.toString();
		String id = UUID.randomUUID().toString();
		Map<String, Object> frame = new LinkedHashMap<>();
		frame.put("type", type);
		switch (type) {
			case "send" -> frame.putAll(Map.of("conversationId", conversation, "clientMessageId", id, "body", "hello"));
			case "edit" -> frame.putAll(Map.of("conversationId", conversation, "clientMessageId", id, "seq", editable,
					"expectedVersion", 1, "body", "edited"));
			case "delete" -> frame.putAll(Map.of("conversationId", conversation, "clientMessageId", id, "seq", deletable));
			case "resume" -> frame.put("conversations", List.of(Map.of("conversationId", conversation, "afterSeq", 0)));
			case "fetch" -> frame.putAll(Map.of("conversationId", conversation, "afterSeq", 0, "ref", "f"));
			case "typing.start", "typing.renew", "typing.stop" -> frame.put("conversationId", conversation);
			case "receipt.read", "receipt.delivered" -> frame.putAll(Map.of("conversationId", conversation, "seq", 1, "ref", "r"));
			case "presence.subscribe" -> frame.put("userIds", List.of(owner.id().toString()));
			case "presence.set" -> frame.put("status", "online");
			case "ping" -> frame.put("ref", "first");
			case "auth" -> frame.put("token", actor.token());
			default -> throw new IllegalArgumentException(type);
		}
		return frame;
	}
}
