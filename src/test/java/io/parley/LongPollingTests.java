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
import org.springframework.http.HttpStatus;

import tools.jackson.databind.JsonNode;

/**
 * Alice's network only lets plain requests through, so she long-polls. The moments between two
 * polls, a response lost on the way, a flood while she is not polling and a long absence all cost
 * her nothing: each message arrives once, in order. (Test settings: polls held 1 s, a session
 * without polls ends after 8 s, 120 frames wait for the next poll at most, a resume sends 100.)
 */
@ParleyIntegrationTest
class LongPollingTests extends AliceAndBobInAGroup {

	@Test
	void messagesThatArriveBetweenPollsWaitForTheNextPoll() {
		try (ChatClient bobClient = api.connect(bob); ChatClient aliceClient = api.connect(alice, Transport.LONG_POLL, null)) {
			String session = aliceClient.pollSessionId();
			aliceClient.pausePolling();
			sendAndAwaitAck(bobClient, "one", "two", "three");

			aliceClient.resumePolling();
			assertThat(List.of(aliceClient.expect("message"), aliceClient.expect("message"), aliceClient.expect("message")))
				.extracting(m -> m.get("seq").asLong())
				.containsExactly(1L, 2L, 3L);
			assertThat(aliceClient.pollSessionId()).as("the same session carried on").isEqualTo(session);
		}
	}

	@Test
	void aPollResponseLostOnTheWayIsSentAgainNotSkipped() {
		try (ChatClient bobClient = api.connect(bob); ChatClient aliceClient = api.connect(alice, Transport.LONG_POLL, null)) {
			aliceClient.pausePolling();
			sendAndAwaitAck(bobClient, "do not lose me");
			int pollsBefore = aliceClient.polls();

			aliceClient.loseNextPollResponse(); // the answer carrying the message never reaches her
			aliceClient.resumePolling();
			JsonNode message = aliceClient.expect("message");
			assertThat(message.get("body").asString()).isEqualTo("do not lose me");
			assertThat(aliceClient.polls()).as("it took a second poll").isGreaterThanOrEqualTo(pollsBefore + 2);

			bobClient.send(group, "next");
			assertThat(aliceClient.expect("message").get("seq").asLong()).as("once, then the next one").isEqualTo(2);
		}
	}

	@Test
	void theHandoverBetweenPollsUnderLoadLosesNothing() {
		int total = 300;
		List<Long> seen = new ArrayList<>();
		try (ChatClient bobClient = api.connect(bob); ChatClient aliceClient = api.connect(alice, Transport.LONG_POLL, null)) {
			for (int i = 1; i <= total; i++) {
				bobClient.send(group, "burst " + i); // pipelined: no waiting for acks
				if (i == total / 3) {
					aliceClient.loseNextPollResponse(); // and one answer goes missing mid-burst
				}
			}
			await().atMost(Duration.ofSeconds(60)).until(() -> {
				for (JsonNode frame : aliceClient.drainAvailable()) {
					if ("message".equals(frame.get("type").asString())) {
						seen.add(frame.get("seq").asLong());
					}
				}
				return seen.size() >= total;
			});
			assertThat(aliceClient.polls()).as("the burst spanned many polls").isGreaterThan(3);
		}
		assertThat(seen).containsExactlyElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
	}

	@Test
	void aPollAfterALongAbsenceResumesFromHistoryInANewSession() {
		try (ChatClient bobClient = api.connect(bob); ChatClient aliceClient = api.connect(alice, Transport.LONG_POLL, null)) {
			sendAndAwaitAck(bobClient, "before");
			assertThat(aliceClient.expect("message").get("seq").asLong()).isEqualTo(1);
			String session = aliceClient.pollSessionId();
			aliceClient.pausePolling();
			sendAndAwaitAck(bobClient, "while", "she", "was", "away");

			// Nobody polled for longer than the session timeout: the server ended the session.
			await().atMost(Duration.ofSeconds(30)).until(() -> postFrameStatus(alice, session) == HttpStatus.NOT_FOUND);

			aliceClient.resumePolling();
			aliceClient.expect("welcome");
			assertThat(List.of(aliceClient.expect("message"), aliceClient.expect("message"), aliceClient.expect("message"),
					aliceClient.expect("message")))
				.extracting(m -> m.get("body").asString())
				.containsExactly("while", "she", "was", "away");
			assertThat(aliceClient.expect("resumed").get("recovered").asBoolean()).isTrue();
			assertThat(aliceClient.pollSessionId()).as("a new session, named in the answer").isNotEqualTo(session);
		}
	}

	@Test
	void moreThanASessionHoldsBetweenPollsEndsItAndTheNextPollResumesFromHistory() {
		try (ChatClient bobClient = api.connect(bob); ChatClient aliceClient = api.connect(alice, Transport.LONG_POLL, null)) {
			sendAndAwaitAck(bobClient, "m1");
			assertThat(aliceClient.expect("message").get("seq").asLong()).isEqualTo(1);
			String session = aliceClient.pollSessionId();
			aliceClient.pausePolling();
			String[] flood = new String[125]; // more than the 120 frames a session keeps: seqs 2..126
			for (int i = 0; i < flood.length; i++) {
				flood[i] = "m" + (i + 2);
			}
			for (String body : flood) {
				bobClient.send(group, body); // pipelined, so the flood is over well before the session would expire
			}
			for (int i = 0; i < flood.length; i++) {
				bobClient.expect("ack");
				bobClient.expect("message");
			}

			aliceClient.resumePolling();
			assertThat(aliceClient.awaitClose().getCode()).as("the old session ended as too slow").isEqualTo(4008);
			aliceClient.expect("welcome");
			// The new session resumes from history: the newest 100 (the catch-up cap), then says what it skipped.
			List<Long> seqs = new ArrayList<>();
			for (int i = 0; i < 100; i++) {
				seqs.add(aliceClient.expect("message").get("seq").asLong());
			}
			assertThat(seqs).containsExactlyElementsOf(LongStream.rangeClosed(27, 126).boxed().toList());
			JsonNode resumed = aliceClient.expect("resumed");
			assertThat(resumed.get("recovered").asBoolean()).isFalse();
			assertThat(resumed.get("skippedTo").asLong()).isEqualTo(26);
			assertThat(aliceClient.pollSessionId()).isNotEqualTo(session);

			// She pages the skipped range from history, over the same session.
			aliceClient.sendRaw("{\"type\":\"fetch\",\"conversationId\":\"" + group + "\",\"afterSeq\":1,\"limit\":25,\"ref\":\"gap\"}");
			JsonNode range = aliceClient.expect("range");
			assertThat(range.get("messages").valueStream().map(m -> m.get("seq").asLong()).toList())
				.containsExactlyElementsOf(LongStream.rangeClosed(2, 26).boxed().toList());
		}
	}

	@Test
	void nobodyCanPostToOrReadFromAnotherUsersSession() {
		try (ChatClient bobClient = api.connect(bob); ChatClient aliceClient = api.connect(alice, Transport.LONG_POLL, null)) {
			String alicesSession = aliceClient.pollSessionId();
			assertThat(postFrameStatus(bob, alicesSession)).isEqualTo(HttpStatus.NOT_FOUND);

			// Polling with Alice's session id gives Bob a session of his own, never hers.
			JsonNode answer = api.http().get().uri("/api/sessions/{id}/events", alicesSession)
				.header("Authorization", "Bearer " + bob.token()).exchange()
				.expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();
			assertThat(answer.get("sessionId").asString()).isNotEqualTo(alicesSession);
			assertThat(answer.get("events").get(0).get("userId").asString()).isEqualTo(bob.id().toString());

			api.http().get().uri("/api/sessions/{id}/events", alicesSession).exchange().expectStatus().isUnauthorized();

			// A cursor this session never handed out is refused, not taken as "resend everything".
			api.http().get().uri("/api/sessions/{id}/events?cursor=garbage~~", alicesSession)
				.header("Authorization", "Bearer " + alice.token()).exchange()
				.expectStatus().isBadRequest()
				.expectBody().jsonPath("$.code").isEqualTo("invalid_cursor");
			aliceClient.send(group, UUID.randomUUID().toString(), "still mine");
			assertThat(aliceClient.expect("ack").get("seq").asLong()).isEqualTo(1);
		}
	}

	private HttpStatus postFrameStatus(io.parley.support.ParleyApi.User user, String session) {
		return HttpStatus.valueOf(api.http().post().uri("/api/sessions/{id}/frames", session)
			.header("Authorization", "Bearer " + user.token())
			.header("Content-Type", "application/json")
			.bodyValue("{\"type\":\"ping\"}")
			.exchange()
			.returnResult(Void.class)
			.getStatus()
			.value());
	}

	private void sendAndAwaitAck(ChatClient client, String... bodies) {
		for (String body : bodies) {
			client.send(group, body);
			client.expect("ack");
			client.expect("message");
		}
	}
}
