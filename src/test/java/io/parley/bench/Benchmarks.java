package io.parley.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.ParleyApi;
import io.parley.support.ParleyApi.User;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Runs the fan-out scenario against Parley (on the real engines) and against the bare baseline in
 * the same run, prints one result line per target plus their ratio, and writes them to
 * {@code target/benchmarks/fanout.txt}. Not part of {@code ./mvnw verify} (the class name matches no
 * test pattern); run it with
 * {@code ./mvnw -B test -Dtest=Benchmarks -Dsurefire.failIfNoSpecifiedTests=false} and the
 * {@code parley.bench.*} system properties below. {@link BenchmarkSmokeTests} runs it for seconds
 * in the default build so it keeps working.
 */
@ParleyIntegrationTest
public class Benchmarks {

	@LocalServerPort
	int port;

	static int intProperty(String name, int fallback) {
		return Integer.getInteger("parley.bench." + name, fallback);
	}

	@Test
	void fanOut() throws IOException {
		int members = intProperty("members", 50);
		int groups = intProperty("groups", 5);
		int senders = intProperty("senders", 10);
		int rate = intProperty("rate", 20);
		Duration seconds = Duration.ofSeconds(intProperty("seconds", 20));
		Duration warmUp = Duration.ofSeconds(intProperty("warmup", 5));
		List<String> lines = fanOut(port, members, groups, senders, rate, seconds, warmUp);
		lines.forEach(System.out::println);
		Path out = Path.of("target", "benchmarks");
		Files.createDirectories(out);
		Files.write(out.resolve("fanout.txt"), lines);
	}

	/** Both targets, then the ratio line; asserts only that each run delivered something. */
	static List<String> fanOut(int port, int members, int groups, int senders, int rate, Duration seconds, Duration warmUp) {
		ParleyApi api = new ParleyApi(port).awaitMessagePipeline();
		List<User> users = new ArrayList<>();
		for (int m = 0; m < members; m++) {
			users.add(api.newUser("bench"));
		}
		List<UUID> conversations = new ArrayList<>();
		for (int g = 0; g < groups; g++) {
			conversations.add(api.createGroup(users.get(0), "bench " + g, users.subList(1, members).toArray(User[]::new)));
		}
		FanOutLoad.Target parley = new FanOutLoad.Target() {

			@Override
			public String name() {
				return "parley";
			}

			@Override
			public String url(int member) {
				return "ws://127.0.0.1:" + port + "/ws?access_token=" + users.get(member).token();
			}

			@Override
			public String send(int group, String body) {
				return "{\"type\":\"send\",\"conversationId\":\"" + conversations.get(group) + "\",\"clientMessageId\":\""
						+ UUID.randomUUID() + "\",\"body\":\"" + body + "\"}";
			}

			@Override
			public boolean isAck(String frame) {
				return frame.startsWith("{\"type\":\"ack\"");
			}

			@Override
			public boolean acknowledges() {
				return true;
			}
		};
		FanOutLoad.Result parleyResult = FanOutLoad.run(parley, members, groups, senders, rate, seconds, warmUp);

		FanOutLoad.Result bareResult;
		try (BareBroadcastServer bare = new BareBroadcastServer()) {
			FanOutLoad.Target baseline = new FanOutLoad.Target() {

				@Override
				public String name() {
					return "bare-netty";
				}

				@Override
				public String url(int member) {
					return "ws://127.0.0.1:" + bare.port() + "/ws?group=all";
				}

				@Override
				public String send(int group, String body) {
					return body;
				}

				@Override
				public boolean isAck(String frame) {
					return false;
				}

				@Override
				public boolean acknowledges() {
					return false;
				}
			};
			// Every baseline client is in one group here, as every Parley member is in every group.
			bareResult = FanOutLoad.run(baseline, members, 1, senders, rate, seconds, warmUp);
		}
		assertThat(parleyResult.deliveries()).as("Parley delivered").isPositive();
		assertThat(bareResult.deliveries()).as("the baseline delivered").isPositive();
		String ratio = String.format(Locale.ROOT, "fanout ratio parley/bare deliveries/s=%.2f p99=%.2fx",
				parleyResult.deliveriesPerSecond() / bareResult.deliveriesPerSecond(),
				parleyResult.percentileMillis(99) / bareResult.percentileMillis(99));
		return List.of(parleyResult.line(), bareResult.line(), ratio);
	}
}
