package io.parley;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.LongStream;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.AliceAndBobInAGroup;
import io.parley.support.ChatClient;
import io.parley.support.ChatClient.Transport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.socket.CloseStatus;

import tools.jackson.databind.JsonNode;

/**
 * Alice sits behind a corporate proxy that blocks WebSocket upgrades, or on a network where only
 * plain requests get through. Parley serves her the same session over Server-Sent Events or long
 * polling: the same frames, the same acks, the same resume, and she can move between transports
 * mid-conversation without losing or doubling a message.
 */
@ParleyIntegrationTest
class TransportsTests extends AliceAndBobInAGroup {

	@ParameterizedTest
	@EnumSource(Transport.class)
	void theSameConversationWorksOnEveryTransport(Transport transport) {
		try (ChatClient bobClient = api.connect(bob); ChatClient aliceClient = api.connect(alice, transport, null)) {
			assertThat(aliceClient.transport()).isEqualTo(transport);

			// Alice sends: her ack carries the seq once durable, and both of them get the message.
			String clientMessageId = aliceClient.send(group, "hello over " + transport);
			JsonNode ack = aliceClient.expect("ack");
			assertThat(ack.get("clientMessageId").asString()).isEqualTo(clientMessageId);
			assertThat(ack.get("seq").asLong()).isEqualTo(1);
			assertThat(aliceClient.expect("message").get("body").asString()).isEqualTo("hello over " + transport);
			assertThat(bobClient.expect("message").get("seq").asLong()).isEqualTo(1);

			// Bob answers from his WebSocket.
			bobClient.send(group, "hi Alice");
			assertThat(bobClient.expect("ack").get("seq").asLong()).isEqualTo(2);
			assertThat(bobClient.expect("message").get("seq").asLong()).isEqualTo(2); // his own, as on every device
			JsonNode reply = aliceClient.expect("message");
			assertThat(reply.get("body").asString()).isEqualTo("hi Alice");
			assertThat(reply.get("senderId").asString()).isEqualTo(bob.id().toString());

			// A retry of the same send returns the original ack and delivers nothing new.
			aliceClient.send(group, clientMessageId, "hello over " + transport);
			assertThat(aliceClient.expect("ack").get("seq").asLong()).isEqualTo(1);

			// Typing reaches Bob; a bad frame costs Alice one error frame and nothing else.
			aliceClient.typing("start", group);
			assertThat(bobClient.expect("typing").get("userId").asString()).isEqualTo(alice.id().toString());
			aliceClient.sendRaw("]");
			assertThat(aliceClient.expect("error").get("code").asString()).isEqualTo("malformed_frame");
			aliceClient.send(group, UUID.randomUUID().toString(), "still here");
			assertThat(aliceClient.expect("ack").get("seq").asLong()).isEqualTo(3);
			assertThat(aliceClient.expect("message").get("seq").asLong()).isEqualTo(3);
			// Her message also ends her typing; the stop (Redis) and the message (Kafka) race to Bob.
			assertThat(List.of(bobClient.next(), bobClient.next()))
				.extracting(f -> f.get("type").asString() + ":" + (f.has("action") ? f.get("action").asString() : f.get("body").asString()))
				.containsExactlyInAnyOrder("typing:stop", "message:still here");

			// A conversation she is not in is refused, as on a WebSocket.
			UUID stranger = api.createGroup(bob, "Bob's own");
			aliceClient.send(stranger, "let me in");
			assertThat(aliceClient.expect("error").get("code").asString()).isEqualTo("not_a_member");
		}
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void aClientThatComesBackResumesFromItsCursorOnEveryTransport(Transport transport) {
		try (ChatClient bobClient = api.connect(bob)) {
			ChatClient aliceClient = api.connect(alice, transport, null);
			bobClient.send(group, "one");
			bobClient.expect("ack");
			bobClient.expect("message");
			assertThat(aliceClient.expect("message").get("seq").asLong()).isEqualTo(1);
			aliceClient.drop(); // gone without a word

			for (String body : List.of("two", "three", "four")) {
				bobClient.send(group, body);
				bobClient.expect("ack");
				bobClient.expect("message");
			}
			try (ChatClient back = api.connect(alice, transport, group + ":1")) {
				assertThat(List.of(back.expect("message"), back.expect("message"), back.expect("message")))
					.extracting(m -> m.get("body").asString())
					.containsExactly("two", "three", "four");
				assertThat(back.expect("resumed").get("recovered").asBoolean()).isTrue();
			}
		}
	}

	@Test
	void switchingTransportMidStreamLosesAndDoublesNothing() throws Exception {
		int total = 60;
		List<Long> seen = new ArrayList<>();
		try (ChatClient bobClient = api.connect(bob)) {
			Thread sender = new Thread(() -> {
				for (int i = 1; i <= total; i++) {
					bobClient.send(group, "m" + i);
					try {
						Thread.sleep(20); // a steady stream, so every switch happens with messages in flight
					}
					catch (InterruptedException e) {
						return;
					}
				}
			});
			ChatClient current = api.connect(alice, Transport.WEBSOCKET, null);
			sender.start();
			// WebSocket, down to SSE, down to long polling, back up to WebSocket, messages arriving all along.
			for (Transport next : List.of(Transport.SSE, Transport.LONG_POLL, Transport.WEBSOCKET)) {
				ChatClient now = current;
				int before = seen.size();
				await().atMost(Duration.ofSeconds(30)).until(() -> {
					takeMessages(now, seen);
					return seen.size() >= before + 5 || seen.size() >= total;
				});
				now.close(new CloseStatus(1001, "switching transport"));
				takeMessages(now, seen); // what arrived before it closed; anything later it never reads
				String cursor = seen.isEmpty() ? null : group + ":" + seen.get(seen.size() - 1);
				current = api.connect(alice, next, cursor);
			}
			sender.join();
			ChatClient last = current;
			await().atMost(Duration.ofSeconds(30)).until(() -> {
				takeMessages(last, seen);
				return seen.size() >= total;
			});
			last.close();
		}
		// Across four connections on three transports: every message once, in order.
		assertThat(seen).containsExactlyElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
	}

	private static void takeMessages(ChatClient client, List<Long> seen) {
		for (JsonNode frame : client.drainAvailable()) {
			if ("message".equals(frame.get("type").asString())) {
				seen.add(frame.get("seq").asLong());
			}
		}
	}
}
