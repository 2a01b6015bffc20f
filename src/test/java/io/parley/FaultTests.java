package io.parley;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.ChatClient;
import io.parley.support.AliceAndBobInAGroup;
import io.parley.support.ParleyApi;
import io.parley.support.ParleyApi.User;
import io.parley.support.SecondNode;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

/**
 * Things go wrong while people chat: a node dies, Kafka moves partitions between nodes, Cassandra
 * stops answering. Each time, every member still ends up with the whole conversation, in order,
 * once, and nothing is acknowledged before it is durable.
 */
@ParleyIntegrationTest
class FaultTests extends AliceAndBobInAGroup {



	@Test
	void aNodeDiesMidStreamAndItsClientsResumeOnTheOtherNodeWithNothingLostOrDoubled() throws Exception {
		SecondNode node2 = SecondNode.start();
		ParleyApi node2Api = node2.api().awaitMessagePipeline();
		int total = 60;
		List<Long> bobSaw = new ArrayList<>();

		try (ChatClient aliceOn1 = api.connect(alice)) {
			ChatClient bobOn2 = node2Api.connect(bob);
			CompletableFuture<Void> aliceTalks = CompletableFuture.runAsync(() -> {
				for (int i = 1; i <= total; i++) {
					aliceOn1.send(group, "message " + i);
					aliceOn1.expect("ack");
					aliceOn1.expect("message");
				}
			});
			while (bobSaw.size() < 20) {
				bobSaw.add(bobOn2.expect("message").get("seq").asLong());
			}
			node2.close(); // node 2 goes away with Bob's socket on it, while Alice keeps talking
			// Whatever reached Bob before the socket died counts; then he resumes on node 1.
			long last = bobSaw.get(bobSaw.size() - 1);
			try (ChatClient bobOn1 = api.connect(bob, group, last)) {
				while (bobSaw.size() < total) {
					JsonNode frame = bobOn1.next();
					if (frame.get("type").asString().equals("message")) {
						bobSaw.add(frame.get("seq").asLong());
					}
				}
				aliceTalks.get();
			}
		}
		assertThat(bobSaw).containsExactlyElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
	}

	@Test
	void theSequencerGroupRebalancesMidStreamAndTheOrderStaysGaplessAndSingle() throws Exception {
		int total = 150;
		try (ChatClient aliceClient = api.connect(alice); ChatClient bobClient = api.connect(bob)) {
			CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
				for (int i = 1; i <= total; i++) {
					aliceClient.send(group, "r-" + i, "during rebalance " + i);
				}
			});
			// A node joining and leaving moves sequencer partitions twice while messages flow.
			SecondNode node2 = SecondNode.start();
			node2.api().awaitMessagePipeline();
			sending.get();
			node2.close();

			List<Long> acked = new ArrayList<>();
			while (acked.size() < total) {
				JsonNode frame = aliceClient.next();
				if (frame.get("type").asString().equals("ack")) {
					acked.add(frame.get("seq").asLong());
				}
			}
			assertThat(acked).as("acks in send order").containsExactlyElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
			List<Long> received = new ArrayList<>();
			for (int i = 0; i < total; i++) {
				received.add(bobClient.expect("message").get("seq").asLong());
			}
			assertThat(received).containsExactlyElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
		}
		JsonNode history = api.history(bob, group, "limit=200");
		assertThat(ParleyApi.seqs(history)).containsExactlyElementsOf(LongStream.iterate(total, s -> s >= 1, s -> s - 1).boxed().toList());
	}

	@Test
	void whileCassandraIsUnreachableNothingIsAcknowledgedAndRetriesDoNotDuplicate() throws Exception {
		java.nio.file.Path pidFile = io.parley.dev.LocalEngines.forTests().settings().dir("cassandra").resolve("cassandra.pid");
		ProcessHandle cassandra = ProcessHandle.of(Long.parseLong(java.nio.file.Files.readString(pidFile).trim()))
			.orElseThrow(() -> new AssertionError("the test Cassandra process is not running"));

		try (ChatClient aliceClient = api.connect(alice); ChatClient bobClient = api.connect(bob)) {
			aliceClient.send(group, "before the outage");
			assertThat(aliceClient.expect("ack").get("seq").asLong()).isEqualTo(1);
			aliceClient.expect("message");
			bobClient.expect("message");

			signal(cassandra, "STOP"); // Cassandra stops answering (its sockets stay open, like a hung node)
			try {
				aliceClient.send(group, "during-1", "during the outage");
				await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).until(() -> aliceClient.pending() == 0);
				aliceClient.send(group, "during-1", "during the outage"); // the client retries, twice
				aliceClient.send(group, "during-1", "during the outage");
				assertThat(bobClient.pending()).isZero();
			}
			finally {
				signal(cassandra, "CONT");
			}

			List<JsonNode> acks = new ArrayList<>();
			while (acks.size() < 3) {
				JsonNode frame = aliceClient.next();
				if (frame.get("type").asString().equals("ack")) {
					acks.add(frame);
				}
			}
			assertThat(acks).extracting(a -> a.get("seq").asLong()).containsOnly(2L);
			assertThat(acks).extracting(a -> a.get("messageId").asString()).containsOnly(acks.get(0).get("messageId").asString());
			JsonNode delivered = bobClient.expect("message");
			assertThat(delivered.get("seq").asLong()).isEqualTo(2);

			aliceClient.send(group, "after the outage");
			JsonNode next = bobClient.expect("message"); // not a second copy of seq 2
			assertThat(next.get("seq").asLong()).isEqualTo(3);
		}
		assertThat(ParleyApi.seqs(api.history(bob, group, null))).containsExactly(3L, 2L, 1L);
	}

	private static void signal(ProcessHandle process, String signal) throws Exception {
		Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
		assertThat(kill.waitFor()).as("kill -%s", signal).isZero();
	}
}
