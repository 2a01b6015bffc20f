package io.parley;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.ChatClient;
import io.parley.support.ParleyApi;
import io.parley.support.ParleyApi.User;
import io.parley.support.PushReceiver;
import io.parley.support.SecondNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import tools.jackson.databind.JsonNode;

/**
 * Bob's phone is on node 1 and his desktop on node 2. Read receipts from both race; the pointer ends
 * at the highest and never goes back, and each device's badge follows the other's reading. Then the
 * push outbox: a notification written to the outbox but never delivered is delivered, once, when a
 * node restarts.
 */
@ParleyIntegrationTest
class ReceiptsAndPushAcrossNodesTests {

	static SecondNode node2;

	@LocalServerPort
	int port;

	ParleyApi api1;
	ParleyApi api2;
	User alice;
	User bob;
	UUID group;

	@BeforeAll
	static void startSecondNode() {
		node2 = SecondNode.start();
	}

	@AfterAll
	static void stopSecondNode() {
		if (node2 != null) {
			node2.close();
		}
	}

	@BeforeEach
	void aGroup() {
		api1 = new ParleyApi(port).awaitMessagePipeline();
		api2 = node2.api().awaitMessagePipeline();
		alice = api1.newUser("alice");
		bob = api1.newUser("bob");
		group = api1.createGroup(alice, "Two nodes", bob);
	}

	@Test
	void pointersNeverGoBackwardsUnderConcurrentReceiptsFromTwoDevicesOnTwoNodes() {
		ChatClient phone = api1.connect(bob);
		ChatClient desktop = api2.connect(bob);
		try (ChatClient aliceClient = api1.connect(alice)) {
			for (int i = 0; i < 20; i++) {
				ReceiptsTests.sendAndAck(aliceClient, group, "m" + i);
			}
		}
		List<Integer> phoneSeqs = new ArrayList<>();
		List<Integer> desktopSeqs = new ArrayList<>();
		for (int seq = 1; seq <= 20; seq++) {
			(seq % 2 == 0 ? desktopSeqs : phoneSeqs).add(seq);
		}
		long seed = System.nanoTime();
		Collections.shuffle(phoneSeqs, new Random(seed));
		Collections.shuffle(desktopSeqs, new Random(seed + 1));
		Thread other = new Thread(() -> desktopSeqs.forEach(seq -> read(desktop, seq)));
		other.start();
		phoneSeqs.forEach(seq -> read(phone, seq));
		try {
			other.join(10_000);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			assertThat(api2.receipts(alice, group, 20).get("readBy").asInt()).as("seed %d", seed).isEqualTo(1);
			assertThat(api1.unreadIn(bob, group)).isZero();
		});
		// An old value arriving now, on either node, changes nothing.
		assertThat(api2.markRead(bob, group, 3).get("readSeq").asLong()).isEqualTo(20);
		assertThat(api1.markRead(bob, group, 1).get("readSeq").asLong()).isEqualTo(20);
		// Both devices heard a move to 20 with nothing unread (frames may cross; clients keep the maximum).
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			assertThat(maxRead(phone)).isEqualTo(20);
			assertThat(maxRead(desktop)).isEqualTo(20);
		});
		phone.close();
		desktop.close();
	}

	private final Map<ChatClient, Long> seen = new java.util.concurrent.ConcurrentHashMap<>();

	private long maxRead(ChatClient client) {
		for (JsonNode update : client.hintsOf("unread.updated")) {
			if (update.get("readSeq").asLong() == 20) {
				assertThat(update.get("unread").asLong()).isZero();
			}
			seen.merge(client, update.get("readSeq").asLong(), Math::max);
		}
		return seen.getOrDefault(client, 0L);
	}

	private void read(ChatClient device, int seq) {
		device.sendFrame(Map.of("type", "receipt.read", "conversationId", group.toString(), "seq", seq));
	}

	@Test
	void aPushInTheOutboxThatWasNeverDeliveredIsDeliveredOnceAfterARestart() {
		PushReceiver receiver = PushReceiver.shared();
		String phone = "phone-" + UUID.randomUUID();
		api1.registerPushToken(bob, phone);
		receiver.failNext(phone, Integer.MAX_VALUE); // the receiver is down: nothing gets through
		try (ChatClient aliceClient = api1.connect(alice)) {
			ReceiptsTests.sendAndAck(aliceClient, group, "while the push service is down");
		}
		// The outbox entry exists and its delivery failed after every retry (4 attempts in the test profile).
		await().atMost(Duration.ofSeconds(20)).until(() -> receiver.attemptsFor(phone) >= 4);
		await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10)).until(() -> receiver.attemptsFor(phone) == 4);
		assertThat(receiver.pushesTo(phone)).isEmpty();

		receiver.failNext(phone, 0); // the push service is back; a node restarts and re-sends what is outstanding
		node2.close();
		node2 = SecondNode.start();
		await().atMost(Duration.ofSeconds(30)).until(() -> receiver.pushesTo(phone).size() == 1);
		await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> receiver.pushesTo(phone).size() == 1);
	}
}
