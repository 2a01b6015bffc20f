package io.parley;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.ChatClient;
import io.parley.support.ParleyApi;
import io.parley.support.ParleyApi.User;
import io.parley.support.SecondNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import tools.jackson.databind.JsonNode;

/**
 * Two Parley nodes share the engines and behave as one service: Alice on node 1 and Bob on node 2
 * chat, and Bob's second device on node 1 receives too. Cross-node delivery goes through Kafka.
 */
@ParleyIntegrationTest
class TwoNodeChatTests {

	static SecondNode node2;

	@LocalServerPort
	int port;

	ParleyApi node1Api;
	ParleyApi node2Api;

	@BeforeAll
	static void startSecondNode() {
		node2 = SecondNode.start(); // leases its own node id
	}

	@AfterAll
	static void stopSecondNode() {
		node2.close();
	}

	@BeforeEach
	void bothNodesReady() {
		node1Api = new ParleyApi(port).awaitMessagePipeline();
		node2Api = node2.api().awaitMessagePipeline();
	}

	@Test
	void usersOnDifferentNodesChatAndEveryDeviceReceives() {
		User alice = node1Api.newUser("alice");
		User bob = node1Api.newUser("bob");
		UUID group = node2Api.createGroup(alice, "Across nodes", bob); // REST works on either node

		try (ChatClient aliceOn1 = node1Api.connect(alice); ChatClient bobOn2 = node2Api.connect(bob);
				ChatClient bobLaptopOn1 = node1Api.connect(bob)) {
			aliceOn1.send(group, "hello from node 1");
			assertThat(aliceOn1.expect("ack").get("seq").asLong()).isEqualTo(1);
			aliceOn1.expect("message");
			assertThat(bobOn2.expect("message").get("body").asString()).isEqualTo("hello from node 1");
			assertThat(bobLaptopOn1.expect("message").get("seq").asLong()).isEqualTo(1);

			bobOn2.send(group, "hello from node 2");
			assertThat(bobOn2.expect("ack").get("seq").asLong()).isEqualTo(2);
			JsonNode atAlice = aliceOn1.expect("message");
			assertThat(atAlice.get("body").asString()).isEqualTo("hello from node 2");
			assertThat(atAlice.get("seq").asLong()).isEqualTo(2);
			assertThat(bobLaptopOn1.expect("message").get("seq").asLong()).isEqualTo(2);
		}
	}

	@Test
	void aSendRetriedOnTheOtherNodeIsAcknowledgedWithTheOriginalAndDeliveredOnce() {
		User alice = node1Api.newUser("alice");
		User bob = node1Api.newUser("bob");
		UUID group = node1Api.createGroup(alice, "Flaky network", bob);

		try (ChatClient bobOn2 = node2Api.connect(bob)) {
			JsonNode first;
			try (ChatClient aliceOn1 = node1Api.connect(alice)) {
				aliceOn1.send(group, "once-only", "Did you get this?");
				first = aliceOn1.expect("ack");
			} // the ack is "lost": Alice's phone switches networks and lands on node 2
			// (Bob on node 2 has it already, so node 2 has fanned it out before Alice's phone arrives there.)
			assertThat(bobOn2.expect("message").get("seq").asLong()).isEqualTo(1);
			try (ChatClient aliceOn2 = node2Api.connect(alice)) {
				aliceOn2.send(group, "once-only", "Did you get this?");
				JsonNode again = aliceOn2.expect("ack");
				assertThat(again.get("messageId").asString()).isEqualTo(first.get("messageId").asString());
				assertThat(again.get("seq").asLong()).isEqualTo(first.get("seq").asLong());
				aliceOn2.send(group, "And this?");
				assertThat(aliceOn2.expect("ack").get("seq").asLong()).isEqualTo(2);
			}
			assertThat(bobOn2.expect("message").get("seq").asLong()).isEqualTo(2); // not seq 1 again
		}
		assertThat(ParleyApi.seqs(node1Api.history(bob, group, null))).containsExactly(2L, 1L);
	}

	@Test
	void theTwoNodesHoldDifferentNodeIdsAndAThirdCannotClaimATakenOne() {
		int taken = leasedIdOf(node2);
		org.assertj.core.api.Assertions.assertThatThrownBy(() -> SecondNode.start(java.util.Map.of("parley.history.node-id", taken)))
			.hasStackTraceContaining("is in use by another running node");
		assertThat(leasedIdOf(node2)).isNotEqualTo(leasedIdOf(null));
	}

	/** The node id leased by a node (node 1 when null), read from Redis where the leases live. */
	private int leasedIdOf(SecondNode node) {
		org.springframework.context.ApplicationContext context = node == null ? node1Context : node.context();
		var redis = context.getBean(org.springframework.data.redis.core.StringRedisTemplate.class);
		for (int id = 0; id < 1024; id++) {
			String holder = redis.opsForValue().get("parley:node-id:" + id);
			if (holder != null && holder.equals(holderOf(context))) {
				return id;
			}
		}
		throw new AssertionError("no lease found");
	}

	private static String holderOf(org.springframework.context.ApplicationContext context) {
		Object lease = context.getBean("nodeIdLease");
		return (String) org.springframework.test.util.ReflectionTestUtils.getField(lease, "holder");
	}

	@org.springframework.beans.factory.annotation.Autowired
	org.springframework.context.ApplicationContext node1Context;

}
