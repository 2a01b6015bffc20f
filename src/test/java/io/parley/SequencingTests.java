package io.parley;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.ChatClient;
import io.parley.support.ParleyApi;
import io.parley.support.ParleyApi.User;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import tools.jackson.databind.JsonNode;

/**
 * Four members send at once, each pipelining 25 messages without waiting for acks. The server
 * numbers all 100 as 1..100 with no gap and no repeat, keeps each sender's own order, and an
 * observer receives them in exactly that order, which history then repeats.
 */
@ParleyIntegrationTest
class SequencingTests {

	@LocalServerPort
	int port;

	@Test
	void concurrentPipelinedSendsGetOneGaplessOrderThatEveryoneSees() {
		ParleyApi api = new ParleyApi(port).awaitMessagePipeline();
		List<User> senders = List.of(api.newUser("s1"), api.newUser("s2"), api.newUser("s3"), api.newUser("s4"));
		User observer = api.newUser("observer");
		UUID group = api.createGroup(senders.get(0), "Busy", senders.get(1), senders.get(2), senders.get(3), observer);
		int perSender = 25;

		try (ChatClient watching = api.connect(observer)) {
			List<ChatClient> clients = senders.stream().map(api::connect).toList();
			List<CompletableFuture<List<Long>>> ackedSeqs = new ArrayList<>();
			for (int s = 0; s < clients.size(); s++) {
				ChatClient client = clients.get(s);
				String name = "sender" + s;
				ackedSeqs.add(CompletableFuture.supplyAsync(() -> {
					for (int i = 0; i < perSender; i++) {
						client.send(group, name + "-" + i, name + " says " + i);
					}
					List<Long> seqs = new ArrayList<>();
					while (seqs.size() < perSender) {
						JsonNode frame = client.next();
						if (frame.get("type").asString().equals("ack")) {
							assertThat(frame.get("clientMessageId").asString()).isEqualTo(name + "-" + seqs.size());
							seqs.add(frame.get("seq").asLong());
						}
					}
					return seqs;
				}));
			}

			List<Long> all = new ArrayList<>();
			for (CompletableFuture<List<Long>> own : ackedSeqs) {
				List<Long> seqs = own.join();
				assertThat(seqs).as("one sender's acks follow its send order").isSorted();
				all.addAll(seqs);
			}
			int total = perSender * clients.size();
			assertThat(all).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, total).boxed().toList());

			List<Long> observed = new ArrayList<>();
			for (int i = 0; i < total; i++) {
				observed.add(watching.expect("message").get("seq").asLong());
			}
			assertThat(observed).containsExactlyElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
			clients.forEach(ChatClient::close);
		}

		JsonNode newest = api.history(observer, group, "limit=200");
		assertThat(ParleyApi.seqs(newest)).containsExactlyElementsOf(LongStream.iterate(100, s -> s >= 1, s -> s - 1).boxed().toList());
		assertThat(newest.get("hasMore").asBoolean()).isFalse();
		JsonNode older = api.history(observer, group, "before=51&limit=20");
		assertThat(ParleyApi.seqs(older)).containsExactlyElementsOf(LongStream.iterate(50, s -> s >= 31, s -> s - 1).boxed().toList());
		assertThat(older.get("hasMore").asBoolean()).isTrue();
		assertThat(older.get("nextBefore").asLong()).isEqualTo(31);
	}
}
