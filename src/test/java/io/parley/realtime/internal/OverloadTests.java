package io.parley.realtime.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.ChatClient;
import io.parley.support.ParleyApi;
import io.parley.support.ParleyApi.User;
import io.parley.support.Prometheus;
import io.parley.support.SecondNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.test.web.server.LocalServerPort;

import tools.jackson.databind.JsonNode;

/**
 * A node under pressure protects the sessions it has. Node 2 is small on purpose: three sessions at
 * most, 64 frames per outbound queue, ephemeral frames dropped past 16.
 * <ul>
 * <li>Load shedding: a fourth client is refused with 503 and a retry hint; the three chat on.</li>
 * <li>Slow consumer: Carol on node 2 stops reading while Alice and Bob chat at full speed on node 1.
 * Her typing frames are dropped first, then her connection is closed with 4008, holding no more than
 * 64 frames meanwhile; Alice and Bob get every message; Carol reconnects with her cursor and gets
 * everything she missed.</li>
 * </ul>
 */
@ParleyIntegrationTest
class OverloadTests {

	static final int QUEUE = 64;
	static final int EPHEMERAL = 16;
	static final String BIG = "\uD83D\uDE00".repeat(4000); // 4000 code points, 16 KB of UTF-8: buffers fill fast

	static SecondNode node2;

	@LocalServerPort
	int port;

	ParleyApi api;
	ParleyApi node2Api;

	@BeforeAll
	static void startASmallNode() {
		node2 = SecondNode.start(Map.of("parley.realtime.max-connections", 3, "parley.realtime.outbound-queue", QUEUE,
				"parley.realtime.max-catch-up", 40, "parley.realtime.ephemeral-queue", EPHEMERAL,
				"parley.realtime.close-grace", "30s"));
	}

	@AfterAll
	static void stopIt() {
		node2.close();
	}

	@BeforeEach
	void ready() {
		api = new ParleyApi(port).awaitMessagePipeline();
		node2Api = node2.api().awaitMessagePipeline();
	}

	@Test
	void beyondItsLimitANodeRefusesNewSessionsWithARetryHintWhileOpenOnesCarryOn() {
		User dana = api.newUser("dana");
		User eve = api.newUser("eve");
		UUID group = api.createGroup(dana, "Crowded", eve);
		double refusedBefore = Prometheus.scrape(node2.context()).value("parley_handshakes_refused_total", "reason", "overloaded");

		try (ChatClient phone = node2Api.connect(dana); ChatClient laptop = node2Api.connect(dana);
				ChatClient eveOn2 = node2Api.connect(eve)) {
			node2Api.http().get().uri("/ws?access_token=" + dana.token()).exchange()
				.expectStatus().isEqualTo(503)
				.expectHeader().value("Retry-After", seconds -> assertThat(Long.parseLong(seconds)).isBetween(2L, 10L))
				.expectHeader().contentType("application/problem+json")
				.expectBody()
				.jsonPath("$.code").isEqualTo("overloaded")
				.jsonPath("$.retryAfterMs").value(Number.class, ms -> assertThat(ms.longValue()).isBetween(2000L, 10000L));
			assertThat(Prometheus.scrape(node2.context()).value("parley_handshakes_refused_total", "reason", "overloaded"))
				.isEqualTo(refusedBefore + 1);
			assertThat(Prometheus.scrape(node2.context()).value("parley_connections", "transport", "websocket")).isEqualTo(3);
			// The fallback transports count against the same limits and are refused the same way.
			node2Api.http().post().uri("/api/sessions").header("Authorization", "Bearer " + eve.token()).exchange()
				.expectStatus().isEqualTo(503)
				.expectHeader().exists("Retry-After")
				.expectBody().jsonPath("$.code").isEqualTo("overloaded");
			node2Api.http().get().uri("/sse?access_token=" + eve.token()).exchange()
				.expectStatus().isEqualTo(503)
				.expectHeader().exists("Retry-After")
				.expectBody(String.class).value(body -> assertThat(body).contains("event:close", "\"code\":1013", "retryAfterMs"));

			// The sessions already open are untouched.
			phone.send(group, "still here");
			phone.expect("ack");
			assertThat(laptop.expect("message").get("body").asString()).isEqualTo("still here");
			assertThat(eveOn2.expect("message").get("body").asString()).isEqualTo("still here");
		}
		// Closed sessions free their slots: a new client gets in again.
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> node2Api.http().get().uri("/ws?access_token=" + dana.token())
			.exchange().expectStatus().isEqualTo(400)); // admitted; only not a WebSocket upgrade
		try (ChatClient back = node2Api.connect(dana)) {
			assertThat(back.sessionId()).isNotBlank();
		}
	}

	@Test
	void aClientThatStopsReadingIsClosedAndResumesWhileTheOthersChatAtFullSpeed() {
		User alice = api.newUser("alice");
		User bob = api.newUser("bob");
		User carol = api.newUser("carol");
		UUID group = api.createGroup(alice, "Full speed", bob, carol);
		ListAppender<ILoggingEvent> logs = capture(Connection.class);

		try (ChatClient aliceOn1 = api.connect(alice); ChatClient bobOn1 = api.connect(bob);
				ChatClient carolOn2 = ChatClient.connectSlowReader(node2.port(), carol.token())) {
			Connection carols = node2.context().getBean(LocalConnections.class).byId(carolOn2.sessionId()).orElseThrow();
			Chatter aliceChats = new Chatter(aliceOn1, group);
			Chatter bobChats = new Chatter(bobOn1, group);
			carolOn2.pauseReading();

			// Bob fills Carol's path: TCP buffers first, then her queue up to the ephemeral mark.
			while (carols.queued() < EPHEMERAL && bobChats.sent() < 2000) {
				bobChats.batch(10);
			}
			assertThat(carols.queued()).as("Carol's queue").isGreaterThanOrEqualTo(EPHEMERAL);
			// Past the mark, Alice's typing does not reach Carol's queue: it is dropped, not queued.
			aliceOn1.typing("start", group);
			await().atMost(Duration.ofSeconds(20)).until(() -> node2Metric("parley_outbound_dropped_total", "kind", "typing") >= 1);
			assertThat(carols.tooSlow()).isFalse();

			// Both chat at full speed until Carol's queue would overflow: then she is closed.
			while (!carols.tooSlow() && aliceChats.sent() + bobChats.sent() < 4000) {
				aliceChats.batch(10);
				bobChats.batch(10);
			}
			assertThat(carols.tooSlow()).as("Carol closed as too slow").isTrue();
			assertThat(carols.peakQueued()).as("frames ever queued for Carol at once").isLessThanOrEqualTo(QUEUE);
			assertThat(node2Metric("parley_connections_too_slow_total", "transport", "websocket")).isGreaterThanOrEqualTo(1);
			// ...and the others chat on, and get everything.
			aliceChats.batch(10);
			bobChats.batch(10);
			long head = Math.max(aliceChats.highestAck(), bobChats.highestAck());
			aliceChats.awaitAllUpTo(head);
			bobChats.awaitAllUpTo(head);

			// The session's log line carries its id.
			assertThat(logs.list).anySatisfy(event -> {
				assertThat(event.getFormattedMessage()).contains("frames queued and not read");
				assertThat(event.getMDCPropertyMap()).containsEntry("sessionId", carolOn2.sessionId())
					.containsEntry("userId", carol.id().toString());
			});

			// Carol reads again: what TCP held, then the close with its code.
			carolOn2.resumeReading();
			assertThat(carolOn2.awaitClose().getCode()).isEqualTo(4008);
			await().atMost(Duration.ofSeconds(10)).until(() -> node2.context().getBean(LocalConnections.class).byId(carols.id()).isEmpty());
			assertThat(carols.queued()).as("nothing left queued for a closed connection").isLessThanOrEqualTo(QUEUE);
			TreeSet<Long> carolHas = new TreeSet<>();
			for (JsonNode frame : carolOn2.drainAvailable()) {
				if (frame.get("type").asString().equals("message")) {
					carolHas.add(frame.get("seq").asLong());
				}
			}
			long cursor = contiguous(carolHas);
			assertThat(cursor).as("Carol's cursor").isLessThan(head);

			// She comes back (to node 1) with her cursor and gets everything she missed.
			try (ChatClient carolBack = ChatClient.connect(port, carol.token(), group + ":" + cursor)) {
				Set<Long> missed = new TreeSet<>();
				JsonNode frame;
				while (!(frame = carolBack.next()).get("type").asString().equals("resumed")) {
					missed.add(frame.get("seq").asLong());
				}
				long after = cursor;
				if (!frame.get("recovered").asBoolean()) {
					// More than one catch-up: page the gap from history, as the protocol says.
					long skippedTo = frame.get("skippedTo").asLong();
					while (after < skippedTo) {
						// Three 16 KB messages a page: the test client takes frames up to 64 KB.
						carolBack.sendFrame(Map.of("type", "fetch", "conversationId", group.toString(), "afterSeq", after, "limit", 3));
						JsonNode range = carolBack.expect("range");
						for (JsonNode m : range.get("messages")) {
							missed.add(m.get("seq").asLong());
						}
						after = range.get("messages").get(range.get("messages").size() - 1).get("seq").asLong();
					}
				}
				for (long seq = cursor + 1; seq <= head; seq++) {
					assertThat(missed).as("Carol got seq %d back", seq).contains(seq);
				}
			}
		}
		finally {
			((Logger) LoggerFactory.getLogger(Connection.class)).detachAppender(logs);
		}
	}

	private static double node2Metric(String name, String... labels) {
		return Prometheus.scrape(node2.context()).value(name, labels);
	}

	private static long contiguous(TreeSet<Long> seqs) {
		long cursor = 0;
		while (seqs.contains(cursor + 1)) {
			cursor++;
		}
		return cursor;
	}

	private static ListAppender<ILoggingEvent> capture(Class<?> type) {
		ListAppender<ILoggingEvent> appender = new ListAppender<>();
		appender.start();
		((Logger) LoggerFactory.getLogger(type)).addAppender(appender);
		return appender;
	}

	/** One user chatting as fast as the pipeline takes it: batches of sends, each batch acked before the next. */
	static final class Chatter {

		private final ChatClient client;
		private final UUID group;
		private final Set<Long> seen = new TreeSet<>();
		private final List<String> pending = new ArrayList<>();
		private int sent;
		private long highestAck;

		Chatter(ChatClient client, UUID group) {
			this.client = client;
			this.group = group;
		}

		int sent() {
			return sent;
		}

		long highestAck() {
			return highestAck;
		}

		void batch(int size) {
			for (int i = 0; i < size; i++) {
				pending.add(client.send(group, BIG));
				sent++;
			}
			while (!pending.isEmpty()) {
				take(client.next());
			}
		}

		void awaitAllUpTo(long head) {
			while (seen.size() < head) {
				take(client.next());
			}
			assertThat(seen).hasSize((int) head).first().isEqualTo(1L);
		}

		private void take(JsonNode frame) {
			String type = frame.get("type").asString();
			if (type.equals("ack")) {
				pending.remove(frame.get("clientMessageId").asString());
				highestAck = Math.max(highestAck, frame.get("seq").asLong());
			}
			else if (type.equals("message")) {
				seen.add(frame.get("seq").asLong());
			}
		}
	}
}
