package io.parley;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.ChatClient;
import io.parley.support.ParleyApi;
import io.parley.support.ParleyApi.User;
import io.parley.support.SecondNode;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import tools.jackson.databind.JsonNode;

/**
 * Node 2 shuts down while Bob has six devices on it. Its readiness goes down first, while every
 * socket is still open; it refuses new sessions; each device is told to reconnect with a delay of its
 * own, spread over the drain window; then the sockets close (1012). The message Bob had acked just
 * before, and the one Alice sent on node 1 during the drain, are in history, and Bob, back on node 1
 * with his cursor, has both.
 */
@ParleyIntegrationTest
class DrainTests {

	static final long WINDOW_MS = 4000;
	static final int DEVICES = 6;

	@LocalServerPort
	int port;

	@Test
	void aDrainingNodeGoesUnreadyThenSendsItsClientsElsewhereSpreadOutAndLosesNothingAcked() throws Exception {
		ParleyApi api = new ParleyApi(port).awaitMessagePipeline();
		SecondNode node2 = SecondNode.start(Map.of("parley.realtime.drain-grace", "3s", "parley.realtime.drain-window",
				WINDOW_MS + "ms", "parley.realtime.drain-timeout", "10s"));
		CompletableFuture<Void> shutdown = null;
		List<ChatClient> bobs = new ArrayList<>();
		try {
			ParleyApi node2Api = node2.api().awaitMessagePipeline();
			User alice = api.newUser("alice");
			User bob = api.newUser("bob");
			UUID group = api.createGroup(alice, "Moving house", bob);
			try (ChatClient aliceOn1 = api.connect(alice)) {
				for (int i = 0; i < DEVICES; i++) {
					bobs.add(node2Api.connect(bob));
				}
				bobs.get(0).send(group, "just before the drain");
				long before = bobs.get(0).expect("ack").get("seq").asLong();
				for (ChatClient device : bobs) {
					assertThat(device.expect("message").get("seq").asLong()).isEqualTo(before);
				}
				assertThat(aliceOn1.expect("message").get("seq").asLong()).isEqualTo(before);
				assertThat(readiness(node2Api)).isEqualTo(200);

				shutdown = CompletableFuture.runAsync(node2::close);

				// Readiness goes down while every socket is still open, and new sessions are refused.
				await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> readiness(node2Api) == 503);
				assertThat(bobs).as("sockets still open when readiness went down").noneMatch(ChatClient::isClosed);
				node2Api.http().get().uri("/ws?access_token=" + bob.token()).exchange()
					.expectStatus().isEqualTo(503)
					.expectHeader().exists("Retry-After")
					.expectBody().jsonPath("$.code").isEqualTo("draining");

				// Alice, on node 1, sends during the drain.
				aliceOn1.send(group, "during the drain");
				long during = aliceOn1.expect("ack").get("seq").asLong();

				// Each device: a reconnect frame with its own delay, then the close.
				List<Long> delays = new ArrayList<>();
				List<Set<Long>> seen = new ArrayList<>();
				for (ChatClient device : bobs) {
					Set<Long> seqs = new TreeSet<>(Set.of(before));
					JsonNode frame;
					while (!(frame = device.next()).get("type").asString().equals("reconnect")) {
						if (frame.get("type").asString().equals("message")) {
							seqs.add(frame.get("seq").asLong());
						}
					}
					assertThat(frame.get("reason").asString()).isEqualTo("draining");
					delays.add(frame.get("retryAfterMs").asLong());
					seen.add(seqs);
					assertThat(device.awaitClose().getCode()).isEqualTo(1012);
				}
				Collections.sort(delays);
				assertThat(delays).allSatisfy(d -> assertThat(d).isBetween(0L, WINDOW_MS - 1));
				assertThat(new TreeSet<>(delays)).as("one delay per device").hasSize(DEVICES);
				assertThat(delays.get(DEVICES - 1) - delays.get(0)).as("spread over the window")
					.isGreaterThanOrEqualTo(WINDOW_MS * (DEVICES - 2) / DEVICES);
				shutdown.get(60, TimeUnit.SECONDS);

				// Nothing acked is lost: both are in history, and Bob back on node 1 with his cursor has both.
				assertThat(ParleyApi.seqs(api.history(bob, group, null))).contains(before, during);
				long cursor = seen.get(0).contains(during) ? during : before;
				try (ChatClient back = ChatClient.connect(port, bob.token(), group + ":" + cursor)) {
					Set<Long> has = new TreeSet<>(seen.get(0));
					JsonNode frame;
					while (!(frame = back.next()).get("type").asString().equals("resumed")) {
						has.add(frame.get("seq").asLong());
					}
					assertThat(frame.get("recovered").asBoolean()).isTrue();
					assertThat(has).contains(before, during);
				}
			}
		}
		finally {
			bobs.forEach(ChatClient::close);
			if (shutdown == null) {
				node2.close();
			}
		}
	}

	private static int readiness(ParleyApi node) {
		return node.http().get().uri("/actuator/health/readiness").exchange().returnResult(String.class).getStatus().value();
	}
}
