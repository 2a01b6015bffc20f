package io.parley;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.AliceAndBobInAGroup;
import io.parley.support.ChatClient;
import io.parley.support.MqttUser;
import io.parley.support.ParleyApi.User;
import io.parley.support.SecondNode;
import io.parley.support.TcpRelay;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;

import tools.jackson.databind.JsonNode;

/**
 * Bob's phone on MQTT loses its network, as phones do. Keep-alive finds a silent client and presence
 * lets it go within the TTL; a last will takes Bob offline at once; a persistent session (clean
 * session false) picks up after a reconnect, on any node, from where Bob's phone left off.
 */
@ParleyIntegrationTest
class MqttSessionsTests extends AliceAndBobInAGroup {

	static SecondNode node2;

	@Value("${local.mqtt.port}")
	int mqttPort;

	@BeforeAll
	static void startSecondNode() {
		node2 = SecondNode.start();
	}

	@AfterAll
	static void stopSecondNode() {
		node2.close();
	}

	@Test
	void aPersistentSessionResumesFromItsCursorOnAnotherNodeWithNothingLost() throws Exception {
		node2.api().awaitMessagePipeline();
		String clientId = "bobs-phone-" + UUID.randomUUID().toString().substring(0, 8);
		String topic = "parley/conversations/" + group + "/messages";
		try (ChatClient aliceOnWeb = api.connect(alice); TcpRelay network = new TcpRelay(mqttPort)) {
			MqttUser bobOnNode1 = MqttUser.connect(network.port(), bob, clientId, false);
			assertThat(bobOnNode1.sessionPresent()).isFalse();
			assertThat(bobOnNode1.subscribe(topic, 1)).isEqualTo(1);
			aliceOnWeb.send(group, "before the tunnel");
			aliceOnWeb.expect("ack");
			aliceOnWeb.expect("message");
			assertThat(bobOnNode1.expect(topic, "message").get("seq").asLong()).isEqualTo(1);

			network.cut(); // no DISCONNECT: the phone's network is just gone
			for (int i = 2; i <= 4; i++) {
				aliceOnWeb.send(group, "in the tunnel " + i);
				assertThat(aliceOnWeb.expect("ack").get("seq").asLong()).isEqualTo(i);
				aliceOnWeb.expect("message");
			}

			// Back on node 2 with the same client id and no new SUBSCRIBE: the session was kept.
			int node2Mqtt = Integer.parseInt(node2.context().getEnvironment().getProperty("local.mqtt.port"));
			try (MqttUser bobOnNode2 = MqttUser.connect(node2Mqtt, bob, clientId, false)) {
				assertThat(bobOnNode2.sessionPresent()).isTrue();
				List<Long> seqs = new ArrayList<>();
				while (seqs.size() < 3) {
					long seq = bobOnNode2.expect(topic, "message").get("seq").asLong();
					if (seq > 1) { // seq 1 may come again if its PUBACK was cut off with the network (QoS 1: at least once)
						seqs.add(seq);
					}
				}
				assertThat(seqs).containsExactly(2L, 3L, 4L);

				aliceOnWeb.send(group, "out of the tunnel");
				aliceOnWeb.expect("ack");
				aliceOnWeb.expect("message");
				assertThat(bobOnNode2.expect(topic, "message").get("seq").asLong()).isEqualTo(5);
			}
			bobOnNode1.paho().close(true);

			// A clean session discards what was kept: no session, no subscription.
			try (MqttUser fresh = MqttUser.connect(mqttPort, bob, clientId, true)) {
				assertThat(fresh.sessionPresent()).isFalse();
				aliceOnWeb.send(group, "nobody listens on MQTT");
				assertThat(aliceOnWeb.expect("ack").get("seq").asLong()).isEqualTo(6);
				await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> fresh.pending(topic) == 0);
			}
		}
	}

	@Test
	void aLastWillTakesBobOfflineAtOnceWhenHisNetworkDrops() throws Exception {
		try (ChatClient aliceOnWeb = api.connect(alice); TcpRelay network = new TcpRelay(mqttPort)) {
			aliceOnWeb.subscribePresence(bob.id());
			assertThat(aliceOnWeb.expect("presence.state").get("users").get(0).get("status").asString()).isEqualTo("offline");

			MqttClient bobsPhone = new MqttClient("tcp://127.0.0.1:" + network.port(), "will-" + UUID.randomUUID().toString().substring(0, 8),
					new MemoryPersistence());
			MqttConnectOptions options = MqttUser.options(bob, true);
			options.setWill("parley/presence/" + bob.id(), "offline".getBytes(StandardCharsets.UTF_8), 1, false);
			bobsPhone.connect(options);
			assertPresence(aliceOnWeb.expect("presence"), bob, "online");

			Instant dropped = Instant.now();
			network.cut();
			assertPresence(aliceOnWeb.expect("presence"), bob, "offline");
			assertThat(Duration.between(dropped, Instant.now())).as("far sooner than the 15 s TTL").isLessThan(Duration.ofSeconds(5));
			bobsPhone.close(true);
		}
	}

	@Test
	void aDisconnectTakesBobOfflineAtOnce() throws Exception {
		try (ChatClient aliceOnWeb = api.connect(alice)) {
			aliceOnWeb.subscribePresence(bob.id());
			aliceOnWeb.expect("presence.state");
			MqttUser bobOnMqtt = MqttUser.connect(mqttPort, bob);
			assertPresence(aliceOnWeb.expect("presence"), bob, "online");
			Instant closed = Instant.now();
			bobOnMqtt.close(); // DISCONNECT
			assertPresence(aliceOnWeb.expect("presence"), bob, "offline");
			assertThat(Duration.between(closed, Instant.now())).isLessThan(Duration.ofSeconds(5));
		}
	}

	/**
	 * A client that asked for a 2 s keep-alive and then falls silent (no PINGREQ, no FIN: a dead
	 * phone) is closed after one and a half keep-alives, as MQTT 3.1.1 says; without a will its
	 * presence then expires within the TTL, as for a dropped WebSocket.
	 */
	@Test
	void aSilentClientIsClosedAfterOneAndAHalfKeepAlivesAndGoesOfflineWithinTheTtl() throws Exception {
		try (ChatClient aliceOnWeb = api.connect(alice); Socket deadPhone = new Socket("127.0.0.1", mqttPort)) {
			aliceOnWeb.subscribePresence(bob.id());
			aliceOnWeb.expect("presence.state");

			deadPhone.getOutputStream().write(connect(bob, 2));
			InputStream in = deadPhone.getInputStream();
			byte[] connack = in.readNBytes(4);
			assertThat(connack).containsExactly(0x20, 0x02, 0x00, 0x00);
			Instant silentSince = Instant.now();
			assertPresence(aliceOnWeb.expect("presence"), bob, "online");

			deadPhone.setSoTimeout(10_000);
			int read;
			try {
				read = in.read();
			}
			catch (SocketException reset) {
				read = -1;
			}
			Duration silent = Duration.between(silentSince, Instant.now());
			assertThat(read).as("the server closed the connection").isEqualTo(-1);
			assertThat(silent).isBetween(Duration.ofMillis(2500), Duration.ofMillis(5000));

			await().atMost(Duration.ofSeconds(25)).until(() -> aliceOnWeb.pending() > 0);
			assertPresence(aliceOnWeb.expect("presence"), bob, "offline");
		}
	}

	private static void assertPresence(JsonNode frame, User user, String status) {
		assertThat(frame.get("userId").asString()).isEqualTo(user.id().toString());
		assertThat(frame.get("status").asString()).isEqualTo(status);
	}

	/** An MQTT 3.1.1 CONNECT written by hand: clean session, user name and password, the given keep-alive. */
	private static byte[] connect(User user, int keepAliveSeconds) throws IOException {
		ByteArrayOutputStream variable = new ByteArrayOutputStream();
		writeString(variable, "MQTT");
		variable.write(4); // protocol level 3.1.1
		variable.write(0b1100_0010); // user name, password, clean session
		variable.write(keepAliveSeconds >> 8);
		variable.write(keepAliveSeconds & 0xff);
		writeString(variable, "dead-phone-" + UUID.randomUUID().toString().substring(0, 8));
		writeString(variable, user.id().toString());
		writeString(variable, user.token());
		ByteArrayOutputStream packet = new ByteArrayOutputStream();
		packet.write(0x10);
		int remaining = variable.size();
		do {
			int digit = remaining % 128;
			remaining /= 128;
			packet.write(remaining > 0 ? digit | 0x80 : digit);
		}
		while (remaining > 0);
		variable.writeTo(packet);
		return packet.toByteArray();
	}

	private static void writeString(ByteArrayOutputStream out, String value) throws IOException {
		byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
		out.write(bytes.length >> 8);
		out.write(bytes.length & 0xff);
		out.write(bytes);
	}
}
