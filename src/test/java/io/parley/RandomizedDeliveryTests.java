package io.parley;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.LongStream;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.ChatClient;
import io.parley.support.ParleyApi;
import io.parley.support.ParleyApi.User;
import io.parley.support.SecondNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import tools.jackson.databind.JsonNode;

/**
 * Many senders on two nodes, with connections dropped at random and re-established on a random node
 * with the last seq each client saw, and unacknowledged messages resent with the same client ids. At
 * every step each client's view must extend by exactly the next seq (no gap, no duplicate), and at
 * the end every view equals the stored log. The seed is printed and can be replayed with
 * {@code -Dparley.seed=<seed>}.
 */
@ParleyIntegrationTest
class RandomizedDeliveryTests {

	static SecondNode node2;

	@LocalServerPort
	int port;

	@BeforeAll
	static void startSecondNode() {
		node2 = SecondNode.start();
	}

	@AfterAll
	static void stopSecondNode() {
		node2.close();
	}

	/** One simulated member: its connection, what it has seen, what it still waits to have acked. */
	final class Member {

		final User user;
		final List<Long> view = new ArrayList<>();
		final Map<String, String> unacked = new LinkedHashMap<>();
		final Map<Long, String> bodies = new HashMap<>();
		ChatClient client;
		int sent;

		Member(User user) {
			this.user = user;
		}

		void absorb(List<JsonNode> frames, long seed) {
			for (JsonNode frame : frames) {
				String type = frame.get("type").asString();
				if (type.equals("ack")) {
					unacked.remove(frame.get("clientMessageId").asString());
				}
				else if (type.equals("message")) {
					long seq = frame.get("seq").asLong();
					long expected = view.isEmpty() ? 1 : view.get(view.size() - 1) + 1;
					assertThat(seq).as("seed %d: %s's next seq", seed, user.username()).isEqualTo(expected);
					view.add(seq);
					bodies.put(seq, frame.get("body").asString());
				}
			}
		}
	}

	@Test
	void everyClientsViewEqualsTheStoredLogDespiteRandomDisconnectsAndResends() {
		long seed = Long.getLong("parley.seed", System.nanoTime());
		System.out.println("[randomized] seed " + seed + " (replay with -Dparley.seed=" + seed + ")");
		Random random = new Random(seed);
		ParleyApi[] nodes = { new ParleyApi(port).awaitMessagePipeline(), node2.api().awaitMessagePipeline() };

		List<Member> members = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			members.add(new Member(nodes[0].newUser("member" + i)));
		}
		UUID group = nodes[0].createGroup(members.get(0).user, "Chaos",
				members.subList(1, members.size()).stream().map(m -> m.user).toArray(User[]::new));
		for (Member member : members) {
			member.client = nodes[random.nextInt(2)].connect(member.user, group, 0);
		}

		int perMember = 20;
		int total = perMember * members.size();
		int drops = 0;
		while (members.stream().anyMatch(m -> m.sent < perMember)) {
			Member member = members.get(random.nextInt(members.size()));
			member.absorb(member.client.drainAvailable(), seed);
			int roll = random.nextInt(10);
			if (roll < 8 && member.sent < perMember) {
				String id = member.user.username() + "-" + member.sent++;
				String body = "from " + member.user.username() + " #" + member.sent;
				member.unacked.put(id, body);
				member.client.send(group, id, body);
			}
			else if (roll >= 8) {
				// The network drops (no close frame); whatever already arrived counts, then the client
				// reconnects to either node with the last seq it saw, and resends what was never acked.
				member.client.drop();
				member.absorb(member.client.drainAvailable(), seed);
				long last = member.view.isEmpty() ? 0 : member.view.get(member.view.size() - 1);
				member.client = nodes[random.nextInt(2)].connect(member.user, group, last);
				member.unacked.forEach((id, body) -> member.client.send(group, id, body));
				drops++;
			}
		}

		// Let everything settle: every member sees all messages and has every send acknowledged.
		long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
		for (Member member : members) {
			while ((member.view.size() < total || !member.unacked.isEmpty()) && System.nanoTime() < deadline) {
				if (!member.unacked.isEmpty() && member.view.size() >= total) {
					member.unacked.forEach((id, body) -> member.client.send(group, id, body)); // acks lost in a drop
				}
				member.absorb(List.of(member.client.next()), seed);
			}
		}

		JsonNode log = nodes[0].history(members.get(0).user, group, "limit=200");
		Map<Long, String> stored = new HashMap<>();
		log.get("messages").forEach(m -> stored.put(m.get("seq").asLong(), m.get("body").asString()));
		assertThat(stored.keySet()).as("seed %d: stored seqs", seed)
			.containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
		Set<String> storedBodies = new LinkedHashSet<>(stored.values());
		assertThat(storedBodies).as("seed %d: each message stored once", seed).hasSize(total);
		for (Member member : members) {
			assertThat(member.view).as("seed %d: %s's view", seed, member.user.username())
				.containsExactlyElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
			assertThat(member.bodies).as("seed %d: %s's bodies", seed, member.user.username()).isEqualTo(stored);
			assertThat(member.unacked).as("seed %d: %s's unacked sends", seed, member.user.username()).isEmpty();
			member.client.close();
		}
		System.out.println("[randomized] " + total + " messages, " + drops + " dropped connections, all views equal the log");
	}
}
