package io.parley;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.netty.util.concurrent.FastThreadLocalThread;
import io.parley.dev.ParleyIntegrationTest;
import io.parley.shared.Blocking;
import io.parley.support.ChatClient;
import io.parley.support.ChatClient.Transport;
import io.parley.support.MqttUser;
import io.parley.support.ParleyApi;
import io.parley.support.ParleyApi.User;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.env.Environment;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;

import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;

/**
 * Nothing Parley does blocks a Netty event loop or a Reactor non-blocking thread (issue 9). BlockHound
 * is installed before the application starts, so every call that parks, sleeps or does blocking I/O on
 * such a thread is caught, from startup on; then Alice and Bob use every path a client can reach on the
 * real engines: accounts and tokens, a group chat over WebSocket (send, ack, history, edit, delete,
 * typing, presence, receipts), SSE and long polling, MQTT, and the key directory.
 * <p>
 * BlockHound throws {@link BlockingOperationError} at the blocking call, but Reactor may turn that
 * into an error signal that some operator swallows (a retry, an error frame, a dropped hint). So every
 * violation is also recorded, and each test ends by asserting that none was.
 * <p>
 * BlockHound instruments the whole JVM, so this class runs in a surefire execution of its own (see
 * pom.xml) with {@code -XX:+AllowRedefinitionToAddDeleteMethods}; alone:
 * {@code ./mvnw test -Dtest=EventLoopsNeverBlockTests -DargLine=-XX:+AllowRedefinitionToAddDeleteMethods}.
 */
@ParleyIntegrationTest
class EventLoopsNeverBlockTests {

	/** Every blocking call BlockHound caught on a non-blocking thread, since the JVM started. */
	private static final Queue<Violation> violations = new ConcurrentLinkedQueue<>();

	/** Whether BlockHound was in place before any Netty thread existed (so startup is guarded too). */
	private static final boolean installedBeforeTheServer;

	static {
		// Before the Spring context exists: the SpringExtension starts it when the first test instance is prepared.
		installedBeforeTheServer = Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t instanceof FastThreadLocalThread);
		BlockHound.builder()
			// Reactor's (parallel and single schedulers are non-blocking), Netty's (event loops), and
			// BlockHound's own for logging and System.out/err, which write synchronously by design.
			.loadIntegrations()
			// SecureRandom.nextBytes (UUID.randomUUID, tokens) reads /dev/urandom, which never blocks once the kernel is seeded.
			.allowBlockingCallsInside("sun.security.provider.NativePRNG$RandomIO", "implNextBytes")
			// The Cassandra driver rereads its configuration file now and then on its own admin thread.
			.allowBlockingCallsInside("com.datastax.oss.driver.internal.core.config.typesafe.DefaultDriverConfigLoader$SingleThreaded", "reload")
			// Netty's zstd decoder loads its native library from the jar once, on first use.
			.allowBlockingCallsInside("com.github.luben.zstd.util.Native", "load")
			// The test clients (ChatClient, MqttUser) queue what they receive for the test thread; a hand-off
			// of the queue's lock may park for a moment. Parley's own code uses no LinkedBlockingQueue.
			.allowBlockingCallsInside("java.util.concurrent.LinkedBlockingQueue", "offer")
			// Lettuce guards each connection's command writes with a short ReentrantLock (SharedLock): two
			// threads writing to one shared connection at once park for a moment. It showed up only under
			// load (in CI), and Lettuce 6.8 ships no BlockHound integration that would allow it.
			.allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "incrementWriters")
			.allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "decrementWriters")
			.allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "lockWritersExclusive")
			.blockingMethodCallback(method -> {
				violations.add(new Violation(Thread.currentThread().getName(), method.toString(), callSite()));
				throw new BlockingOperationError(method);
			})
			.install();
	}

	private static final SecureRandom random = new SecureRandom();

	@LocalServerPort
	int port;

	@Value("${local.mqtt.port}")
	int mqttPort;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	Environment env;

	ParleyApi api;
	User alice;
	User bob;
	UUID group;

	@BeforeEach
	void aliceAndBobShareAGroup() {
		api = new ParleyApi(port).awaitMessagePipeline();
		alice = api.newUser("alice");
		bob = api.newUser("bob");
		group = api.createGroup(alice, "Never blocked", bob);
	}

	@AfterEach
	void nothingBlockedAnEventLoop() {
		assertNoViolations();
	}

	@AfterAll
	static void nothingBlockedAnEventLoopAfterTheLastTestEither() {
		assertNoViolations();
	}

	@Test
	void theGuardCatchesASleepOrAQueryOnAReactorThread() throws Exception {
		assertThat(installedBeforeTheServer).as("BlockHound installed before any Netty event loop started").isTrue();

		// A sleep in a Mono.delay callback runs on Reactor's parallel scheduler, a non-blocking thread.
		StepVerifier.create(Mono.delay(Duration.ofMillis(1)).doOnNext(tick -> sleep()))
			.expectError(BlockingOperationError.class)
			.verify(Duration.ofSeconds(10));
		assertThat(provoked()).singleElement().satisfies(v -> {
			assertThat(v.method()).contains("java.lang.Thread.sleep");
			assertThat(v.thread()).startsWith("parallel-");
		});

		// So does a synchronous JDBC query there, the kind of call Blocking.call exists to move away. On a
		// connection of its own, thrown away after: the error leaves it in the middle of the protocol.
		try (Connection connection = DriverManager.getConnection(env.getProperty("spring.datasource.url"),
				env.getProperty("spring.datasource.username"), env.getProperty("spring.datasource.password"))) {
			StepVerifier.create(Mono.delay(Duration.ofMillis(1)).map(tick -> count(connection)))
				.expectError()
				.verify(Duration.ofSeconds(10));
		}
		assertThat(provoked()).isNotEmpty().allSatisfy(v -> assertThat(v.thread()).startsWith("parallel-"));

		// And through Blocking.call the same query runs on the bounded elastic pool, unflagged.
		StepVerifier.create(Mono.delay(Duration.ofMillis(1))
				.flatMap(tick -> Blocking.call(() -> jdbc.sql("select count(*) from accounts").query(Long.class).single())))
			.assertNext(count -> assertThat(count).isPositive())
			.verifyComplete();
		assertThat(provoked()).isEmpty();
	}

	private static long count(Connection connection) {
		try (java.sql.Statement statement = connection.createStatement();
				java.sql.ResultSet rows = statement.executeQuery("select count(*) from accounts")) {
			rows.next();
			return rows.getLong(1);
		}
		catch (java.sql.SQLException e) {
			throw new IllegalStateException(e);
		}
	}

	/** The violations this class provoked on purpose, taken off the list. */
	private List<Violation> provoked() {
		List<Violation> provoked = violations.stream().filter(v -> v.callSite().contains(getClass().getName())).toList();
		violations.removeAll(provoked);
		return provoked;
	}

	@Test
	void accountsAndTokens() {
		String username = "carol-" + UUID.randomUUID().toString().substring(0, 8);
		api.http().post().uri("/api/auth/register").bodyValue(Map.of("username", username, "password", "correct horse carol"))
			.exchange().expectStatus().isCreated();
		JsonNode login = api.http().post().uri("/api/auth/login")
			.bodyValue(Map.of("username", username, "password", "correct horse carol"))
			.exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();
		api.http().post().uri("/api/auth/login").bodyValue(Map.of("username", username, "password", "wrong horse carol"))
			.exchange().expectStatus().isUnauthorized();

		JsonNode refreshed = api.http().post().uri("/api/auth/refresh")
			.bodyValue(Map.of("refreshToken", login.get("refreshToken").asString()))
			.exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();
		String token = refreshed.get("accessToken").asString();
		api.http().get().uri("/api/me").headers(h -> h.setBearerAuth(token))
			.exchange().expectStatus().isOk().expectBody().jsonPath("$.username").isEqualTo(username);
		api.http().get().uri("/api/users?username=" + bob.username()).headers(h -> h.setBearerAuth(token))
			.exchange().expectStatus().isOk().expectBody().jsonPath("$.userId").isEqualTo(bob.id().toString());
		// A spent refresh token again: the whole login ends.
		api.http().post().uri("/api/auth/refresh").bodyValue(Map.of("refreshToken", login.get("refreshToken").asString()))
			.exchange().expectStatus().isUnauthorized();
		// Logging out ends the login's live connections, on every node.
		try (ChatClient alicePhone = api.connect(alice)) {
			api.http().post().uri("/api/auth/logout").headers(h -> h.setBearerAuth(alice.token()))
				.exchange().expectStatus().isNoContent();
			assertThat(alicePhone.awaitClose().getCode()).isEqualTo(4002);
		}
	}

	@Test
	void aGroupChatOverWebSocket() {
		try (ChatClient alicePhone = api.connect(alice); ChatClient bobPhone = api.connect(bob)) {
			// Presence: Bob watches Alice, who is online.
			bobPhone.subscribePresence(alice.id());
			assertThat(bobPhone.expect("presence.state").get("users").get(0).get("status").asString()).isEqualTo("online");

			// A message: acked once durable, delivered to both. Then typing.
			alicePhone.send(group, "Is anything blocking?");
			assertThat(alicePhone.expect("ack").get("seq").asLong()).isEqualTo(1);
			assertThat(alicePhone.expect("message").get("seq").asLong()).isEqualTo(1);
			assertThat(bobPhone.expect("message").get("body").asString()).isEqualTo("Is anything blocking?");
			bobPhone.typing("start", group);
			assertThat(alicePhone.expect("typing").get("action").asString()).isEqualTo("start");
			bobPhone.typing("stop", group);
			assertThat(alicePhone.expect("typing").get("action").asString()).isEqualTo("stop");

			// Receipts over the socket and over REST; unread counts.
			bobPhone.sendFrame(Map.of("type", "receipt.delivered", "conversationId", group.toString(), "seq", 1));
			bobPhone.sendFrame(Map.of("type", "receipt.read", "conversationId", group.toString(), "seq", 1));
			assertThat(bobPhone.expect("unread.updated").get("conversationId").asString()).isEqualTo(group.toString());
			assertThat(api.receipts(alice, group, 1).get("members").asInt()).isEqualTo(1);
			assertThat(api.unreadIn(bob, group)).isZero();
			api.markRead(bob, group, 1);

			// Edit, then delete: entries of their own, to everyone.
			alicePhone.sendFrame(Map.of("type", "edit", "conversationId", group.toString(), "clientMessageId", "e1", "seq", 1,
					"expectedVersion", 1, "body", "Is anything blocking at all?"));
			assertThat(alicePhone.expect("ack").get("version").asInt()).isEqualTo(2);
			alicePhone.expect("message");
			assertThat(bobPhone.expect("message").get("kind").asString()).isEqualTo("edit");
			alicePhone.sendFrame(Map.of("type", "delete", "conversationId", group.toString(), "clientMessageId", "d1", "seq", 1));
			alicePhone.expect("ack");
			alicePhone.expect("message");
			assertThat(bobPhone.expect("message").get("kind").asString()).isEqualTo("delete");

			// Re-authentication on the open socket, and presence as the device idles.
			alicePhone.sendFrame(Map.of("type", "auth", "token", alice.token(), "ref", "a1"));
			assertThat(alicePhone.expect("authenticated").get("ref").asString()).isEqualTo("a1");
			alicePhone.sendFrame(Map.of("type", "presence.set", "status", "away"));
			assertThat(bobPhone.expect("presence").get("status").asString()).isEqualTo("away");

			// A fetch on the socket, and a ping.
			bobPhone.sendFrame(Map.of("type", "fetch", "conversationId", group.toString(), "afterSeq", 0, "ref", "f1"));
			assertThat(bobPhone.expect("range").get("messages").size()).isEqualTo(3);
			bobPhone.sendFrame(Map.of("type", "ping", "ref", "p1"));
			assertThat(bobPhone.expect("pong").get("ref").asString()).isEqualTo("p1");

			// A refused frame is an error frame, on the same path.
			UUID stranger = api.createGroup(bob, "Bob's own");
			alicePhone.send(stranger, "let me in");
			assertThat(alicePhone.expect("error").get("code").asString()).isEqualTo("not_a_member");
		}

		// Bob comes back with his cursor and resumes; history pages from Cassandra.
		try (ChatClient bobLaptop = api.connect(bob, group, 0)) {
			assertThat(List.of(bobLaptop.expect("message"), bobLaptop.expect("message"), bobLaptop.expect("message")))
				.extracting(m -> m.get("seq").asLong()).containsExactly(1L, 2L, 3L);
			assertThat(bobLaptop.expect("resumed").get("lastSeq").asLong()).isEqualTo(3);
		}
		try (ChatClient bobTablet = api.connect(bob, ChatClient.Encoding.PROTOBUF)) {
			bobTablet.sendFrame(Map.of("type", "resume", "conversations", List.of(Map.of("conversationId", group.toString(), "afterSeq", 2))));
			assertThat(bobTablet.expect("message").get("seq").asLong()).isEqualTo(3);
			assertThat(bobTablet.expect("resumed").get("lastSeq").asLong()).isEqualTo(3);
		}
		JsonNode page = api.history(bob, group, "limit=2");
		assertThat(ParleyApi.seqs(page)).containsExactly(3L, 2L);
		assertThat(ParleyApi.seqs(api.history(bob, group, "before=" + page.get("nextBefore").asLong()))).containsExactly(1L);

		// Membership changes reach live sockets as hints.
		User carol = api.newUser("carol");
		try (ChatClient carolPhone = api.connect(carol)) {
			api.addMember(alice, group, carol);
			assertThat(carolPhone.expect("conversation.added").get("conversationId").asString()).isEqualTo(group.toString());
			api.removeMember(alice, group, carol);
			assertThat(carolPhone.expect("conversation.removed").get("conversationId").asString()).isEqualTo(group.toString());
		}
		api.direct(alice, bob);
		api.http().get().uri("/api/conversations/" + group).headers(h -> h.setBearerAuth(bob.token())).exchange().expectStatus().isOk();
		api.http().get().uri("/api/conversations").headers(h -> h.setBearerAuth(alice.token())).exchange().expectStatus().isOk();
		api.http().get().uri("/api/presence?userIds=" + bob.id()).headers(h -> h.setBearerAuth(alice.token()))
			.exchange().expectStatus().isOk();
		api.http().put().uri("/api/me/privacy").headers(h -> h.setBearerAuth(bob.token()))
			.bodyValue(Map.of("hideLastSeen", true)).exchange().expectStatus().isOk();
		api.registerPushToken(bob, "https://push.example/" + UUID.randomUUID());
		api.mute(bob, group);
	}

	@ParameterizedTest
	@EnumSource(value = Transport.class, names = { "SSE", "LONG_POLL" })
	void aSessionOverHttpWithAPostedFrame(Transport transport) {
		try (ChatClient bobPhone = api.connect(bob); ChatClient aliceBrowser = api.connect(alice, transport, null)) {
			aliceBrowser.send(group, "posted over " + transport);
			assertThat(aliceBrowser.expect("ack").get("seq").asLong()).isEqualTo(1);
			assertThat(aliceBrowser.expect("message").get("body").asString()).isEqualTo("posted over " + transport);
			assertThat(bobPhone.expect("message").get("seq").asLong()).isEqualTo(1);

			bobPhone.send(group, "read you");
			bobPhone.expect("ack");
			bobPhone.expect("message");
			assertThat(aliceBrowser.expect("message").get("body").asString()).isEqualTo("read you");
			aliceBrowser.typing("start", group);
			assertThat(bobPhone.expect("typing").get("userId").asString()).isEqualTo(alice.id().toString());
		}
	}

	@Test
	void mqttConnectPublishAndSubscribe() throws Exception {
		try (ChatClient aliceOnWeb = api.connect(alice); MqttUser bobOnMqtt = MqttUser.connect(mqttPort, bob)) {
			String topic = bobOnMqtt.conversationTopic(group);
			assertThat(bobOnMqtt.subscribe(topic, 1)).isEqualTo(1);
			assertThat(bobOnMqtt.subscribe(bobOnMqtt.ownTopic(), 1)).isEqualTo(1);
			assertThat(bobOnMqtt.subscribe("parley/presence/" + alice.id(), 0)).isEqualTo(0);
			assertThat(bobOnMqtt.expect("parley/presence/" + alice.id(), "presence").get("status").asString()).isEqualTo("online");

			String clientMessageId = bobOnMqtt.send(group, "hello from MQTT");
			assertThat(bobOnMqtt.next(bobOnMqtt.ownTopic(), "ack").get("clientMessageId").asString()).isEqualTo(clientMessageId);
			assertThat(bobOnMqtt.expect(topic, "message").get("body").asString()).isEqualTo("hello from MQTT");
			assertThat(aliceOnWeb.expect("message").get("body").asString()).isEqualTo("hello from MQTT");

			aliceOnWeb.send(group, "hello from the web");
			aliceOnWeb.expect("ack");
			assertThat(bobOnMqtt.expect(topic, "message").get("body").asString()).isEqualTo("hello from the web");
			bobOnMqtt.publish("parley/conversations/" + group + "/typing", "start", 1);
			aliceOnWeb.expect("message"); // her own
			assertThat(aliceOnWeb.expect("typing").get("userId").asString()).isEqualTo(bob.id().toString());
		}

		// A persistent session: kept in Redis between connections, resumed from its cursor.
		String clientId = "bob-phone-" + UUID.randomUUID().toString().substring(0, 8);
		try (MqttUser bobPhone = MqttUser.connect(mqttPort, bob, clientId, false)) {
			assertThat(bobPhone.subscribe(bobPhone.conversationTopic(group), 1)).isEqualTo(1);
		}
		try (MqttUser bobPhone = MqttUser.connect(mqttPort, bob, clientId, false)) {
			assertThat(bobPhone.sessionPresent()).isTrue();
		}
	}

	@Test
	void keyDirectoryUploadAndFetch() {
		String identity = key(33);
		api.http().put().uri("/api/me/devices/phone/keys").headers(h -> h.setBearerAuth(alice.token()))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("identityKey", identity,
					"signedPreKey", Map.of("keyId", 1, "publicKey", key(33), "signature", key(64)),
					"oneTimePreKeys", IntStream.range(0, 3).mapToObj(i -> Map.of("keyId", 10 + i, "publicKey", key(33))).toList()))
			.exchange().expectStatus().isOk();
		api.http().post().uri("/api/me/devices/phone/keys/one-time").headers(h -> h.setBearerAuth(alice.token()))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("oneTimePreKeys", List.of(Map.of("keyId", 20, "publicKey", key(33)))))
			.exchange().expectStatus().isOk();

		JsonNode bundle = api.http().get().uri("/api/users/" + alice.id() + "/keys").headers(h -> h.setBearerAuth(bob.token()))
			.exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();
		assertThat(bundle.get("devices").get(0).get("identityKey").asString()).isEqualTo(identity);
		assertThat(bundle.get("devices").get(0).get("oneTimePreKey").get("keyId").asInt()).isEqualTo(10);
		api.http().get().uri("/api/me/devices/phone/keys/count").headers(h -> h.setBearerAuth(alice.token()))
			.exchange().expectStatus().isOk().expectBody().jsonPath("$.oneTimePreKeys").isEqualTo(3);
		api.http().delete().uri("/api/me/devices/phone/keys").headers(h -> h.setBearerAuth(alice.token()))
			.exchange().expectStatus().isNoContent();
	}

	/** One blocking call on a non-blocking thread: where, what, and the frames that led to it. */
	record Violation(String thread, String method, String callSite) {

		@Override
		public String toString() {
			return method + " on " + thread + "\n" + callSite;
		}
	}

	private static void assertNoViolations() {
		List<Violation> found = new ArrayList<>(violations);
		violations.removeAll(found);
		assertThat(found).as("blocking calls on event loops or Reactor non-blocking threads:%n%s",
				found.stream().map(Violation::toString).collect(Collectors.joining("\n\n"))).isEmpty();
	}

	/** The stack below BlockHound's own frames, trimmed to what helps find the caller. */
	private static String callSite() {
		return Arrays.stream(new Throwable().getStackTrace())
			.map(StackTraceElement::toString)
			.dropWhile(frame -> !frame.startsWith("reactor.blockhound.BlockHoundRuntime"))
			.dropWhile(frame -> frame.startsWith("reactor.blockhound."))
			.limit(40)
			.map(frame -> "\tat " + frame)
			.collect(Collectors.joining("\n"));
	}

	private static void sleep() {
		try {
			Thread.sleep(10);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	private static String key(int bytes) {
		byte[] key = new byte[bytes];
		random.nextBytes(key);
		return Base64.getEncoder().encodeToString(key);
	}
}
