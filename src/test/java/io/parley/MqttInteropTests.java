package io.parley;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.AliceAndBobInAGroup;
import io.parley.support.ChatClient;
import io.parley.support.MqttUser;
import io.parley.support.ParleyApi;
import io.parley.support.ParleyApi.User;
import io.parley.support.TcpRelay;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.MqttSecurityException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;

import tools.jackson.databind.JsonNode;

/**
 * Bob's phone speaks MQTT (Eclipse Paho, an independent client), Alice's browser the WebSocket:
 * they chat in one conversation with the same guarantees. A PUBACK means the message is durable; a
 * QoS 1 retry after a lost PUBACK stores nothing twice; bad tokens get the CONNACK refusal; Carol,
 * who is no member, can neither read nor write the conversation's topic.
 */
@ParleyIntegrationTest
class MqttInteropTests extends AliceAndBobInAGroup {

	@Value("${local.mqtt.port}")
	int mqttPort;

	@Test
	void anMqttUserAndAWebSocketUserChatBothWays() throws Exception {
		try (ChatClient aliceOnWeb = api.connect(alice); MqttUser bobOnMqtt = MqttUser.connect(mqttPort, bob)) {
			String topic = bobOnMqtt.conversationTopic(group);
			assertThat(bobOnMqtt.subscribe(topic, 1)).isEqualTo(1);
			assertThat(bobOnMqtt.subscribe(bobOnMqtt.ownTopic(), 1)).isEqualTo(1);

			String clientMessageId = bobOnMqtt.send(group, "hello from MQTT");
			// The PUBACK came back only once the message was durable: history has it already, no waiting.
			JsonNode stored = api.history(alice, group, null).get("messages").get(0);
			assertThat(stored.get("body").asString()).isEqualTo("hello from MQTT");
			assertThat(stored.get("clientMessageId").asString()).isEqualTo(clientMessageId);

			JsonNode atAlice = aliceOnWeb.expect("message");
			assertThat(atAlice.get("body").asString()).isEqualTo("hello from MQTT");
			assertThat(atAlice.get("senderId").asString()).isEqualTo(bob.id().toString());
			assertThat(atAlice.get("seq").asLong()).isEqualTo(1);
			// Bob's own topic has the ack (as a WebSocket sender gets it), his conversation topic the message.
			JsonNode ack = bobOnMqtt.next(bobOnMqtt.ownTopic(), "ack");
			assertThat(ack.get("clientMessageId").asString()).isEqualTo(clientMessageId);
			assertThat(ack.get("seq").asLong()).isEqualTo(1);
			assertThat(bobOnMqtt.expect(topic, "message").get("seq").asLong()).isEqualTo(1);

			aliceOnWeb.send(group, "hello from the browser");
			JsonNode atBob = bobOnMqtt.expect(topic, "message");
			assertThat(atBob.get("body").asString()).isEqualTo("hello from the browser");
			assertThat(atBob.get("senderId").asString()).isEqualTo(alice.id().toString());
			assertThat(atBob.get("seq").asLong()).isEqualTo(2);
		}
	}

	@Test
	void aQos2SendIsAnsweredOnceDurableAndStoredOnce() throws Exception {
		try (ChatClient aliceOnWeb = api.connect(alice); MqttUser bobOnMqtt = MqttUser.connect(mqttPort, bob)) {
			// PUBREC comes once the entry is durable; Paho then sends PUBREL and waits for PUBCOMP.
			bobOnMqtt.publish(bobOnMqtt.conversationTopic(group), "{\"clientMessageId\":\"exactly-once\",\"body\":\"at QoS 2\"}", 2);
			assertThat(api.history(alice, group, null).get("messages").get(0).get("clientMessageId").asString()).isEqualTo("exactly-once");
			assertThat(aliceOnWeb.expect("message").get("body").asString()).isEqualTo("at QoS 2");
			// Edits and deletes go to the same topic with their type.
			bobOnMqtt.publish(bobOnMqtt.conversationTopic(group),
					"{\"type\":\"edit\",\"clientMessageId\":\"fix-1\",\"seq\":1,\"expectedVersion\":1,\"body\":\"at QoS 2, edited\"}", 1);
			JsonNode edit = aliceOnWeb.expect("message");
			assertThat(edit.get("kind").asString()).isEqualTo("edit");
			assertThat(edit.get("body").asString()).isEqualTo("at QoS 2, edited");
			assertThat(ParleyApi.seqs(api.history(alice, group, null))).containsExactly(2L, 1L);
		}
	}

	@Test
	void typingAndPresenceTravelOnTheirOwnTopics() throws Exception {
		try (ChatClient aliceOnWeb = api.connect(alice); MqttUser bobOnMqtt = MqttUser.connect(mqttPort, bob)) {
			String typing = "parley/conversations/" + group + "/typing";
			assertThat(bobOnMqtt.subscribe(typing, 0)).isEqualTo(0);
			String alicesPresence = "parley/presence/" + alice.id();
			assertThat(bobOnMqtt.subscribe(alicesPresence, 0)).isEqualTo(0);
			JsonNode now = bobOnMqtt.expect(alicesPresence, "presence");
			assertThat(now.get("status").asString()).isEqualTo("online");

			aliceOnWeb.typing("start", group);
			JsonNode aliceTypes = bobOnMqtt.expect(typing, "typing");
			assertThat(aliceTypes.get("userId").asString()).isEqualTo(alice.id().toString());
			assertThat(aliceTypes.get("action").asString()).isEqualTo("start");

			bobOnMqtt.publish(typing, "start", 1);
			JsonNode bobTypes = aliceOnWeb.expect("typing");
			assertThat(bobTypes.get("userId").asString()).isEqualTo(bob.id().toString());
			assertThat(bobTypes.get("conversationId").asString()).isEqualTo(group.toString());

			aliceOnWeb.sendFrame(Map.of("type", "presence.set", "status", "away"));
			assertThat(bobOnMqtt.expect(alicesPresence, "presence").get("status").asString()).isEqualTo("away");
		}
	}

	@Test
	void aNonMembersSubscribeAndPublishAreRefused() throws Exception {
		User carol = api.newUser("carol");
		try (ChatClient aliceOnWeb = api.connect(alice); MqttUser carolOnMqtt = MqttUser.connect(mqttPort, carol)) {
			assertThat(carolOnMqtt.subscribe(carolOnMqtt.conversationTopic(group), 1)).as("SUBACK failure").isEqualTo(0x80);
			assertThat(carolOnMqtt.subscribe("parley/users/" + alice.id(), 1)).as("someone else's topic").isEqualTo(0x80);
			assertThat(carolOnMqtt.subscribe("parley/anything/else", 1)).as("no such topic").isEqualTo(0x80);
			assertThat(carolOnMqtt.subscribe(carolOnMqtt.ownTopic(), 1)).isEqualTo(1);

			// MQTT 3.1.1 has no negative PUBACK: the publish is acknowledged (so it is not retried forever),
			// nothing is stored, and the refusal comes on Carol's own topic with the clientMessageId as ref.
			String clientMessageId = carolOnMqtt.send(group, "let me in");
			JsonNode refusal = carolOnMqtt.next(carolOnMqtt.ownTopic(), "error");
			assertThat(refusal.get("code").asString()).isEqualTo("not_a_member");
			assertThat(refusal.get("ref").asString()).isEqualTo(clientMessageId);

			// Her own topic takes any WebSocket frame; a topic Parley does not have is refused there too.
			carolOnMqtt.publish(carolOnMqtt.ownTopic(), "{\"type\":\"ping\",\"ref\":\"p-1\"}", 1);
			assertThat(carolOnMqtt.next(carolOnMqtt.ownTopic(), "pong").get("ref").asString()).isEqualTo("p-1");
			carolOnMqtt.publish("parley/nowhere", "hello?", 1);
			assertThat(carolOnMqtt.next(carolOnMqtt.ownTopic(), "error").get("code").asString()).isEqualTo("unknown_topic");
			carolOnMqtt.publish("parley/users/" + alice.id(), "{\"type\":\"ping\"}", 1);
			assertThat(carolOnMqtt.next(carolOnMqtt.ownTopic(), "error").get("code").asString()).isEqualTo("validation_failed");

			aliceOnWeb.send(group, "members only");
			assertThat(aliceOnWeb.expect("ack").get("seq").asLong()).as("Carol's publish took no seq").isEqualTo(1);
			assertThat(aliceOnWeb.expect("message").get("body").asString()).isEqualTo("members only");
			assertThat(ParleyApi.seqs(api.history(alice, group, null))).containsExactly(1L);
		}
	}

	@Test
	void badCredentialsGetTheProperConnackRefusal() throws Exception {
		MqttConnectOptions forged = MqttUser.options(new User(bob.id(), bob.username(), bob.token() + "x"), true);
		assertThat(refusal(forged)).as("a token with a bad signature").isEqualTo(MqttException.REASON_CODE_FAILED_AUTHENTICATION);

		MqttConnectOptions garbage = MqttUser.options(new User(bob.id(), bob.username(), "not-a-jwt"), true);
		assertThat(refusal(garbage)).isEqualTo(MqttException.REASON_CODE_FAILED_AUTHENTICATION);

		MqttConnectOptions somebodyElse = MqttUser.options(bob, true);
		somebodyElse.setUserName(alice.id().toString());
		assertThat(refusal(somebodyElse)).as("user name of another user").isEqualTo(MqttException.REASON_CODE_FAILED_AUTHENTICATION);

		MqttConnectOptions noPassword = new MqttConnectOptions();
		noPassword.setUserName(bob.id().toString());
		assertThat(refusal(noPassword)).as("no token at all").isEqualTo(MqttException.REASON_CODE_NOT_AUTHORIZED);

		// The username instead of the id, in any case, is fine too.
		MqttConnectOptions byName = MqttUser.options(bob, true);
		byName.setUserName(bob.username().toUpperCase(java.util.Locale.ROOT));
		MqttClient client = new MqttClient("tcp://127.0.0.1:" + mqttPort, "by-name", new MemoryPersistence());
		client.connect(byName);
		assertThat(client.isConnected()).isTrue();
		client.disconnect();
		client.close();
	}

	/** The CONNACK return code of a refused connect, as Paho reports it (a security exception). */
	private int refusal(MqttConnectOptions options) throws MqttException {
		MqttClient client = new MqttClient("tcp://127.0.0.1:" + mqttPort, "refused-" + UUID.randomUUID().toString().substring(0, 8),
				new MemoryPersistence());
		try {
			client.connect(options);
			throw new AssertionError("connected with " + options.getUserName());
		}
		catch (MqttSecurityException refused) {
			return refused.getReasonCode();
		}
		finally {
			client.close(true);
		}
	}

	/**
	 * Bob's PUBACK is lost (the network drops right after the server stored his message). Paho sends
	 * the QoS 1 PUBLISH again with DUP on reconnect; the same clientMessageId makes it a retry: the
	 * original is acknowledged again, the conversation holds it once, and Alice sees it once.
	 */
	@Test
	void qos1RedeliveryAfterADroppedConnectionYieldsNoDuplicate() throws Exception {
		try (ChatClient aliceOnWeb = api.connect(alice); TcpRelay network = new TcpRelay(mqttPort)) {
			MqttClient bobsPhone = new MqttClient("tcp://127.0.0.1:" + network.port(), "bobs-phone-" + UUID.randomUUID().toString().substring(0, 8),
					new MemoryPersistence());
			MqttConnectOptions options = MqttUser.options(bob, false);
			bobsPhone.connect(options);

			network.holdReplies(); // from now on nothing reaches Bob: the PUBACK will be lost
			MqttMessage message = new MqttMessage("{\"clientMessageId\":\"tunnel-1\",\"body\":\"sent in the tunnel\"}".getBytes());
			message.setQos(1);
			IMqttDeliveryToken delivery = bobsPhone.getTopic("parley/conversations/" + group + "/messages").publish(message);

			JsonNode stored = aliceOnWeb.expect("message");
			assertThat(stored.get("body").asString()).isEqualTo("sent in the tunnel");
			assertThat(delivery.isComplete()).as("Bob never got the PUBACK").isFalse();

			network.cut();
			await().atMost(Duration.ofSeconds(10)).until(() -> !bobsPhone.isConnected());
			bobsPhone.connect(options); // Paho resends its in-flight QoS 1 PUBLISH, flagged DUP
			delivery.waitForCompletion(20_000);
			assertThat(delivery.isComplete()).isTrue();

			aliceOnWeb.send(group, "after the tunnel");
			JsonNode next = aliceOnWeb.next();
			while (next.get("type").asString().equals("ack")) {
				next = aliceOnWeb.next();
			}
			assertThat(next.get("body").asString()).as("no copy of Bob's message came before").isEqualTo("after the tunnel");
			assertThat(next.get("seq").asLong()).isEqualTo(stored.get("seq").asLong() + 1);
			JsonNode history = api.history(alice, group, null);
			assertThat(ParleyApi.seqs(history)).containsExactly(2L, 1L);
			assertThat(history.get("messages").get(1).get("clientMessageId").asString()).isEqualTo("tunnel-1");
			bobsPhone.disconnect();
			bobsPhone.close();
		}
	}
}
