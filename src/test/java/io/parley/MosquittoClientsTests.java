package io.parley;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.AliceAndBobInAGroup;
import io.parley.support.ChatClient;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The README's example, run with Debian's {@code mosquitto_sub} and {@code mosquitto_pub} exactly as
 * written there (only the ports differ): Bob listens with mosquitto_sub, Alice publishes with
 * mosquitto_pub, and a WebSocket member sees the same message. Skipped, saying so, where the
 * mosquitto clients are not installed ({@code .ci/run} installs them).
 */
@ParleyIntegrationTest
class MosquittoClientsTests extends AliceAndBobInAGroup {

	private static final JsonMapper json = JsonMapper.builder().build();

	@Value("${local.mqtt.port}")
	int mqttPort;

	@BeforeEach
	void mosquittoClientsInstalled() {
		Assumptions.assumeTrue(onPath("mosquitto_pub") && onPath("mosquitto_sub"),
				"mosquitto_pub/mosquitto_sub not found: apt-get install -y mosquitto-clients to run this test");
	}

	@Test
	void bobListensWithMosquittoSubAndAlicePublishesWithMosquittoPub() throws Exception {
		try (ChatClient alicesBrowser = api.connect(alice)) {
			String topic = "parley/conversations/" + group + "/messages";
			Process sub = new ProcessBuilder("mosquitto_sub", "-h", "localhost", "-p", Integer.toString(mqttPort), "-q", "1", "-u",
					bob.id().toString(), "-P", bob.token(), "-v", "-t", topic, "-t", "parley/users/" + bob.id(), "-C", "1", "-W", "30")
				.start();
			// mosquitto_sub prints nothing once subscribed, and a subscription sees only what is stored
			// after it holds: Alice publishes until Bob's terminal shows a message (normally the first).
			int sent = 0;
			do {
				sent++;
				Process pub = publish("hello-" + sent);
				assertThat(pub.waitFor(30, TimeUnit.SECONDS)).isTrue();
				assertThat(pub.exitValue()).as(new String(pub.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
				// mosquitto_pub returned after the PUBACK: the message is durable already.
				assertThat(api.history(alice, group, null).get("messages")).hasSize(sent);
				assertThat(alicesBrowser.expect("message").get("body").asString()).isEqualTo("Hello Bob, over MQTT");
			}
			while (!sub.waitFor(1, TimeUnit.SECONDS) && sent < 10);

			assertThat(sub.isAlive()).as("mosquitto_sub printed a message and exited").isFalse();
			String line = new String(sub.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
			assertThat(sub.exitValue()).as(line).isZero();
			assertThat(line).startsWith(topic + " ");
			JsonNode frame = json.readTree(line.substring(topic.length() + 1));
			assertThat(frame.get("type").asString()).isEqualTo("message");
			assertThat(frame.get("senderId").asString()).isEqualTo(alice.id().toString());
			assertThat(frame.get("body").asString()).isEqualTo("Hello Bob, over MQTT");

			// The same clientMessageId again is a retry: acknowledged, nothing new stored.
			Process again = publish("hello-1");
			assertThat(again.waitFor(30, TimeUnit.SECONDS)).isTrue();
			assertThat(again.exitValue()).isZero();
			assertThat(api.history(alice, group, null).get("messages")).hasSize(sent);
		}
	}

	private Process publish(String clientMessageId) throws java.io.IOException {
		return new ProcessBuilder("mosquitto_pub", "-h", "localhost", "-p", Integer.toString(mqttPort), "-q", "1", "-u",
				alice.id().toString(), "-P", alice.token(), "-t", "parley/conversations/" + group + "/messages", "-m",
				"{\"clientMessageId\":\"" + clientMessageId + "\",\"body\":\"Hello Bob, over MQTT\"}")
			.redirectErrorStream(true)
			.start();
	}

	private static boolean onPath(String command) {
		String path = System.getenv("PATH");
		return path != null && List.of(path.split(File.pathSeparator)).stream().anyMatch(dir -> new File(dir, command).canExecute());
	}
}
