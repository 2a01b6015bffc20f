package io.parley.support;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.http.HttpStatus;
import org.springframework.test.web.reactive.server.WebTestClient;

import tools.jackson.databind.JsonNode;

/**
 * A small client of Parley's REST control plane for tests: register and log in users, create
 * conversations, read history. Each call asserts the status it expects, so a story reads top-down.
 */
public final class ParleyApi {

	private static final AtomicInteger counter = new AtomicInteger();

	public record User(UUID id, String username, String token) {
	}

	private final int port;
	private final WebTestClient http;

	public ParleyApi(int port) {
		this.port = port;
		this.http = WebTestClient.bindToServer().baseUrl("http://localhost:" + port).responseTimeout(Duration.ofSeconds(30)).build();
	}

	public WebTestClient http() {
		return http;
	}

	public int port() {
		return port;
	}

	/** Blocks until this node receives stored messages from Kafka (its fan-out consumer has partitions). */
	public ParleyApi awaitMessagePipeline() {
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> http.get()
			.uri("/actuator/health/messagePipeline")
			.exchange()
			.returnResult(String.class)
			.getStatus()
			.is2xxSuccessful());
		return this;
	}

	/** Registers and logs in a new user whose name starts with the given one (made unique per run). */
	public User newUser(String name) {
		String username = name + "-" + counter.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 6);
		String password = "correct horse " + name;
		http.post().uri("/api/auth/register").bodyValue(Map.of("username", username, "password", password))
			.exchange().expectStatus().isCreated();
		JsonNode login = http.post().uri("/api/auth/login").bodyValue(Map.of("username", username, "password", password))
			.exchange().expectStatus().isOk()
			.expectBody(JsonNode.class).returnResult().getResponseBody();
		return new User(UUID.fromString(login.get("userId").asString()), username, login.get("accessToken").asString());
	}

	public UUID createGroup(User owner, String name, User... members) {
		JsonNode group = http.post().uri("/api/conversations").headers(h -> h.setBearerAuth(owner.token()))
			.bodyValue(Map.of("name", name, "memberIds", java.util.Arrays.stream(members).map(User::id).toList()))
			.exchange().expectStatus().isCreated()
			.expectBody(JsonNode.class).returnResult().getResponseBody();
		return UUID.fromString(group.get("id").asString());
	}

	public JsonNode history(User viewer, UUID conversation, String query) {
		return http.get().uri("/api/conversations/" + conversation + "/messages" + (query == null ? "" : "?" + query))
			.headers(h -> h.setBearerAuth(viewer.token()))
			.exchange().expectStatus().isOk()
			.expectBody(JsonNode.class).returnResult().getResponseBody();
	}

	public HttpStatus historyStatus(User viewer, UUID conversation) {
		return HttpStatus.valueOf(http.get().uri("/api/conversations/" + conversation + "/messages")
			.headers(h -> h.setBearerAuth(viewer.token()))
			.exchange().returnResult(String.class).getStatus().value());
	}

	public static List<Long> seqs(JsonNode page) {
		return page.get("messages").valueStream().map(m -> m.get("seq").asLong()).toList();
	}

	public ChatClient connect(User user) {
		return ChatClient.connect(port, user.token());
	}

	/** Connects asking for the given encoding (a subprotocol at the handshake). */
	public ChatClient connect(User user, ChatClient.Encoding encoding) {
		return ChatClient.connect(port, user.token(), null, encoding);
	}

	/** Connects over a given transport, resuming from {@code resume} ("conv:seq,...", or null). */
	public ChatClient connect(User user, ChatClient.Transport transport, String resume) {
		return ChatClient.connect(port, user.token(), resume, transport);
	}

	public ChatClient connect(User user, UUID conversation, long afterSeq) {
		return ChatClient.connect(port, user.token(), conversation + ":" + afterSeq);
	}

	public void addMember(User actor, UUID conversation, User member) {
		http.post().uri("/api/conversations/" + conversation + "/members").headers(h -> h.setBearerAuth(actor.token()))
			.bodyValue(Map.of("userId", member.id())).exchange().expectStatus().isOk();
	}

	public void removeMember(User actor, UUID conversation, User member) {
		http.delete().uri("/api/conversations/" + conversation + "/members/" + member.id())
			.headers(h -> h.setBearerAuth(actor.token())).exchange().expectStatus().isNoContent();
	}

	public UUID direct(User me, User other) {
		JsonNode conversation = http.post().uri("/api/conversations/direct").headers(h -> h.setBearerAuth(me.token()))
			.bodyValue(Map.of("userId", other.id())).exchange().expectStatus().is2xxSuccessful()
			.expectBody(JsonNode.class).returnResult().getResponseBody();
		return UUID.fromString(conversation.get("id").asString());
	}

	/** POST read up to seq; returns the pointer as stored. */
	public JsonNode markRead(User user, UUID conversation, long seq) {
		return http.post().uri("/api/conversations/" + conversation + "/read").headers(h -> h.setBearerAuth(user.token()))
			.bodyValue(Map.of("seq", seq)).exchange().expectStatus().isOk()
			.expectBody(JsonNode.class).returnResult().getResponseBody();
	}

	/** GET /api/me/unread. */
	public JsonNode unread(User user) {
		return http.get().uri("/api/me/unread").headers(h -> h.setBearerAuth(user.token()))
			.exchange().expectStatus().isOk()
			.expectBody(JsonNode.class).returnResult().getResponseBody();
	}

	/** The user's unread count in one conversation (0 if not listed). */
	public long unreadIn(User user, UUID conversation) {
		return unread(user).get("conversations").valueStream()
			.filter(c -> c.get("conversationId").asString().equals(conversation.toString()))
			.mapToLong(c -> c.get("unread").asLong())
			.findFirst()
			.orElse(0);
	}

	public JsonNode receipts(User viewer, UUID conversation, long seq) {
		return http.get().uri("/api/conversations/" + conversation + "/receipts?seq=" + seq).headers(h -> h.setBearerAuth(viewer.token()))
			.exchange().expectStatus().isOk()
			.expectBody(JsonNode.class).returnResult().getResponseBody();
	}

	/** Registers a webhook push token for one of the user's devices; returns the device id. */
	public UUID registerPushToken(User user, String token) {
		JsonNode device = http.post().uri("/api/me/push-tokens").headers(h -> h.setBearerAuth(user.token()))
			.bodyValue(Map.of("platform", "webhook", "token", token)).exchange().expectStatus().isCreated()
			.expectBody(JsonNode.class).returnResult().getResponseBody();
		return UUID.fromString(device.get("id").asString());
	}

	public void mute(User user, UUID conversation) {
		http.put().uri("/api/conversations/" + conversation + "/mute").headers(h -> h.setBearerAuth(user.token()))
			.exchange().expectStatus().isNoContent();
	}
}
