package io.parley;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.ChatClient;
import io.parley.support.ParleyApi;
import io.parley.support.ParleyApi.User;
import io.parley.support.PushReceiver;
import io.parley.support.PushReceiver.Push;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Bob's phone is in his pocket with no socket: Alice's messages reach it as webhook pushes, posted to
 * a real HTTP server started by the test. One push per message (or one per burst, with a count), none
 * while Bob is online, none when muted or removed, and retries when the receiver stumbles. The test
 * profile collapses bursts within 400 ms.
 */
@ParleyIntegrationTest
class OfflinePushTests {

	static final Duration QUIET = Duration.ofMillis(1500);

	@LocalServerPort
	int port;

	final PushReceiver receiver = PushReceiver.shared();
	ParleyApi api;
	User alice;
	User bob;
	String bobsPhone;
	UUID group;
	ChatClient aliceClient;

	@BeforeEach
	void bobsPhoneIsRegisteredAndOffline() {
		api = new ParleyApi(port).awaitMessagePipeline();
		alice = api.newUser("alice");
		bob = api.newUser("bob");
		bobsPhone = "phone-" + UUID.randomUUID();
		api.registerPushToken(bob, bobsPhone);
		group = api.createGroup(alice, "Pushes", bob);
		aliceClient = api.connect(alice);
	}

	@AfterEach
	void disconnect() {
		aliceClient.close();
	}

	@Test
	void anOfflineRecipientGetsExactlyOnePushPerMessageWithoutContent() {
		long seq = ReceiptsTests.sendAndAck(aliceClient, group, "secret plans");
		List<Push> pushes = awaitPushes(bobsPhone, 1);
		Push push = pushes.get(0);
		assertThat(push.count()).isEqualTo(1);
		assertThat(push.body().get("lastSeq").asLong()).isEqualTo(seq);
		assertThat(push.body().get("conversationId").asString()).isEqualTo(group.toString());
		assertThat(push.body().toString()).doesNotContain("secret plans");
		assertThat(push.idempotencyKey()).isNotBlank();
		stillExactly(bobsPhone, 1);

		// The next message, after the window, is a push of its own.
		ReceiptsTests.sendAndAck(aliceClient, group, "more");
		awaitPushes(bobsPhone, 2);
		stillExactly(bobsPhone, 2);
		// Alice's own message never pushes to Alice.
		assertThat(receiver.pushesTo("none")).isEmpty();
	}

	@Test
	void aBurstCollapsesIntoOnePushCarryingTheCount() {
		for (int i = 0; i < 5; i++) {
			aliceClient.send(group, "burst " + i);
		}
		for (int i = 0; i < 5; i++) {
			aliceClient.expect("ack");
			aliceClient.expect("message");
		}
		await().atMost(Duration.ofSeconds(15)).until(() -> receiver.pushesTo(bobsPhone).stream().mapToInt(Push::count).sum() == 5);
		stillTotal(bobsPhone, 5);
		assertThat(receiver.pushesTo(bobsPhone).size()).isLessThan(5);
		assertThat(receiver.pushesTo(bobsPhone).get(0).count()).isGreaterThan(1);
	}

	@Test
	void everyDeviceGetsItOnceAndTheIdempotencyKeysDiffer() {
		String tablet = "tablet-" + UUID.randomUUID();
		api.registerPushToken(bob, tablet);
		ReceiptsTests.sendAndAck(aliceClient, group, "to all devices");
		awaitPushes(bobsPhone, 1);
		awaitPushes(tablet, 1);
		stillExactly(bobsPhone, 1);
		stillExactly(tablet, 1);
		assertThat(receiver.pushesTo(bobsPhone).get(0).idempotencyKey()).isNotEqualTo(receiver.pushesTo(tablet).get(0).idempotencyKey());
	}

	@Test
	void anOnlineRecipientGetsNoPush() {
		try (ChatClient bobClient = api.connect(bob)) {
			ReceiptsTests.sendAndAck(aliceClient, group, "you are here");
			bobClient.expect("message");
			stillExactly(bobsPhone, 0);
		}
	}

	@Test
	void aMutedConversationDoesNotPush() {
		api.mute(bob, group);
		ReceiptsTests.sendAndAck(aliceClient, group, "shh");
		stillExactly(bobsPhone, 0);
	}

	@Test
	void aRemovedMemberGetsNoPush() {
		api.removeMember(alice, group, bob);
		ReceiptsTests.sendAndAck(aliceClient, group, "after Bob left");
		stillExactly(bobsPhone, 0);
	}

	@Test
	void readingOnAnotherDeviceBeforeThePushIsDueCancelsIt() {
		long seq = ReceiptsTests.sendAndAck(aliceClient, group, "read it on the web");
		api.markRead(bob, group, seq); // within the collapse window
		stillExactly(bobsPhone, 0);
	}

	@Test
	void aFailingReceiverIsRetriedWithBackOffAndGetsThePushOnce() {
		receiver.failNext(bobsPhone, 2);
		ReceiptsTests.sendAndAck(aliceClient, group, "try again");
		awaitPushes(bobsPhone, 1);
		assertThat(receiver.attemptsFor(bobsPhone)).isEqualTo(3);
		stillExactly(bobsPhone, 1);
	}

	private List<Push> awaitPushes(String token, int n) {
		await().atMost(Duration.ofSeconds(15)).until(() -> receiver.pushesTo(token).size() >= n);
		return receiver.pushesTo(token);
	}

	private void stillExactly(String token, int n) {
		await().during(QUIET).atMost(QUIET.plusSeconds(10)).until(() -> receiver.pushesTo(token).size() == n);
	}

	private void stillTotal(String token, int n) {
		await().during(QUIET).atMost(QUIET.plusSeconds(10))
			.until(() -> receiver.pushesTo(token).stream().mapToInt(Push::count).sum() == n);
	}
}
