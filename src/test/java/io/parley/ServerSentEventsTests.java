package io.parley;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.AliceAndBobInAGroup;
import io.parley.support.ChatClient;
import io.parley.support.ChatClient.Transport;

import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.FluxExchangeResult;

import tools.jackson.databind.JsonNode;

/**
 * Alice's browser falls back to an EventSource. Proxies must not hold her events back or close her
 * idle stream, and when the browser reconnects by itself it sends the last event id, which is her
 * resume cursor: she gets exactly what she missed.
 */
@ParleyIntegrationTest
class ServerSentEventsTests extends AliceAndBobInAGroup {

	@Test
	void theStreamTellsProxiesNotToBufferAndHeartbeatsKeepItOpen() {
		FluxExchangeResult<String> stream = api.http().get().uri("/sse?access_token=" + alice.token())
			.accept(MediaType.TEXT_EVENT_STREAM)
			.exchange()
			.expectStatus().isOk()
			.expectHeader().contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
			.expectHeader().valueEquals("X-Accel-Buffering", "no")
			.expectHeader().value("Cache-Control", value -> assertThat(value).contains("no-cache"))
			.returnResult(String.class);
		stream.getResponseBody().take(1).blockLast(Duration.ofSeconds(10));
		stream.getResponseBody().subscribe().dispose();

		try (ChatClient aliceClient = api.connect(alice, Transport.SSE, null)) {
			// Test settings send a comment every 500 ms; production every 15 s.
			await().atMost(Duration.ofSeconds(10)).until(() -> aliceClient.heartbeats() >= 2);
		}
	}

	@Test
	void lastEventIdResumesExactlyWhereTheBrowserLeftOff() {
		try (ChatClient bobClient = api.connect(bob)) {
			ChatClient aliceClient = api.connect(alice, Transport.SSE, null);
			send(bobClient, "one", "two");
			aliceClient.expect("message");
			aliceClient.expect("message");
			// The id of an event is the resume cursor after it.
			assertThat(aliceClient.lastEventId()).isEqualTo(group + ":2");
			String lastEventId = aliceClient.lastEventId();
			aliceClient.drop();

			send(bobClient, "three", "four", "five");
			// The browser reopens the URL it first used (resume= older) and adds Last-Event-ID.
			try (ChatClient back = ChatClient.connectSse(port, alice.token(), group + ":0", lastEventId)) {
				assertThat(List.of(back.expect("message"), back.expect("message"), back.expect("message")))
					.extracting(m -> m.get("body").asString())
					.containsExactly("three", "four", "five");
				JsonNode resumed = back.expect("resumed");
				assertThat(resumed.get("recovered").asBoolean()).isTrue();
				assertThat(back.lastEventId()).isEqualTo(group + ":5");
			}
		}
	}

	@Test
	void anEventSourceAuthenticatesWithTheTokenInTheQueryAndNothingElse() {
		api.http().get().uri("/sse").accept(MediaType.TEXT_EVENT_STREAM).exchange().expectStatus().isUnauthorized();
		api.http().get().uri("/sse?access_token=not-a-token").accept(MediaType.TEXT_EVENT_STREAM).exchange()
			.expectStatus().isUnauthorized();
		// Other endpoints do not take a token in the URL, where logs and referrers would keep it.
		api.http().get().uri("/api/conversations?access_token=" + alice.token()).exchange().expectStatus().isUnauthorized();
	}

	@Test
	void anEventStreamSessionIsNotPolled() {
		try (ChatClient aliceClient = api.connect(alice, Transport.SSE, null)) {
			api.http().get().uri("/api/sessions/{id}/events", aliceClient.sessionId())
				.header("Authorization", "Bearer " + alice.token())
				.exchange()
				.expectStatus().isEqualTo(409)
				.expectBody().jsonPath("$.code").isEqualTo("wrong_transport");
			api.http().post().uri("/api/sessions/{id}/frames", aliceClient.sessionId())
				.header("Authorization", "Bearer " + bob.token())
				.header("Content-Type", "application/json")
				.bodyValue("{\"type\":\"ping\",\"ref\":\"x\"}")
				.exchange()
				.expectStatus().isNotFound()
				.expectBody().jsonPath("$.code").isEqualTo("session_not_found");
		}
	}

	private void send(ChatClient client, String... bodies) {
		for (String body : bodies) {
			client.send(group, body);
			client.expect("ack");
			client.expect("message");
		}
	}
}
