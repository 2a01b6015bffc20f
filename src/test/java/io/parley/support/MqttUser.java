package io.parley.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.parley.support.ParleyApi.User;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A Parley user on MQTT through Eclipse Paho (an independent MQTT 3.1.1 client, as a mobile team
 * would use): the user id as MQTT user name, the access token as password. Messages received are
 * queued per topic in arrival order; {@link #expect(String)} takes the next one of a topic.
 */
public final class MqttUser implements AutoCloseable {

	private static final JsonMapper json = JsonMapper.builder().build();
	private static final Duration WAIT = Duration.ofSeconds(20);

	private final MqttClient client;
	private final User user;
	private final Map<String, BlockingQueue<JsonNode>> received = new ConcurrentHashMap<>();
	private volatile boolean sessionPresent;

	private MqttUser(MqttClient client, User user) {
		this.client = client;
		this.user = user;
		client.setCallback(new MqttCallback() {

			@Override
			public void connectionLost(Throwable cause) {
			}

			@Override
			public void messageArrived(String topic, MqttMessage message) {
				queue(topic).add(json.readTree(new String(message.getPayload(), StandardCharsets.UTF_8)));
			}

			@Override
			public void deliveryComplete(IMqttDeliveryToken token) {
			}
		});
	}

	/** A new client with a clean session and a random client id. */
	public static MqttUser connect(int port, User user) throws MqttException {
		return connect(port, user, "test-" + UUID.randomUUID().toString().substring(0, 8), true);
	}

	public static MqttUser connect(int port, User user, String clientId, boolean cleanSession) throws MqttException {
		MqttUser mqtt = new MqttUser(new MqttClient("tcp://127.0.0.1:" + port, clientId, new MemoryPersistence()), user);
		mqtt.connect(options(user, cleanSession));
		return mqtt;
	}

	/** The connect options of this user: user name = user id, password = access token, no automatic reconnect. */
	public static MqttConnectOptions options(User user, boolean cleanSession) {
		MqttConnectOptions options = new MqttConnectOptions();
		options.setUserName(user.id().toString());
		options.setPassword(user.token().toCharArray());
		options.setCleanSession(cleanSession);
		options.setAutomaticReconnect(false);
		options.setConnectionTimeout(10);
		options.setKeepAliveInterval(30);
		return options;
	}

	/** Connects (again) with these options, keeping this client's in-flight messages (Paho's persistence). */
	public MqttUser connect(MqttConnectOptions options) throws MqttException {
		IMqttToken token = client.connectWithResult(options);
		sessionPresent = token.getSessionPresent();
		return this;
	}

	/** Whether the server's CONNACK said it kept this client's session. */
	public boolean sessionPresent() {
		return sessionPresent;
	}

	public MqttClient paho() {
		return client;
	}

	/** Subscribes and returns the granted QoS (128: refused). */
	public int subscribe(String topic, int qos) throws MqttException {
		IMqttToken token = client.subscribeWithResponse(new String[] { topic }, new int[] { qos });
		return token.getGrantedQos()[0];
	}

	public String conversationTopic(UUID conversation) {
		return "parley/conversations/" + conversation + "/messages";
	}

	public String ownTopic() {
		return "parley/users/" + user.id();
	}

	/** Publishes and waits for the server's acknowledgement (PUBACK at QoS 1). */
	public void publish(String topic, String payload, int qos) throws MqttException {
		MqttMessage message = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8));
		message.setQos(qos);
		client.publish(topic, message);
	}

	/** Publishes a message in the conversation, as JSON {@code {clientMessageId, body}}, and waits for the PUBACK. */
	public String send(UUID conversation, String body) throws MqttException {
		String clientMessageId = UUID.randomUUID().toString();
		publish(conversationTopic(conversation), json.writeValueAsString(Map.of("clientMessageId", clientMessageId, "body", body)), 1);
		return clientMessageId;
	}

	/** The next payload received on the topic. */
	public JsonNode expect(String topic) {
		try {
			JsonNode payload = queue(topic).poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
			if (payload == null) {
				fail("Nothing on " + topic + " within " + WAIT);
			}
			return payload;
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(e);
		}
	}

	/** The next payload on the topic, which must be a frame of this type. */
	public JsonNode expect(String topic, String type) {
		JsonNode frame = expect(topic);
		assertThat(frame.get("type").asString()).as("type of %s on %s", frame, topic).isEqualTo(type);
		return frame;
	}

	/** The next frame of this type on the topic, skipping others (e.g. welcome, resumed). */
	public JsonNode next(String topic, String type) {
		while (true) {
			JsonNode frame = expect(topic);
			if (frame.get("type").asString().equals(type)) {
				return frame;
			}
		}
	}

	/** How many payloads of the topic were received and not yet taken. */
	public int pending(String topic) {
		return queue(topic).size();
	}

	private BlockingQueue<JsonNode> queue(String topic) {
		return received.computeIfAbsent(topic, t -> new LinkedBlockingQueue<>());
	}

	/** A clean goodbye: MQTT DISCONNECT, then close. */
	@Override
	public void close() {
		try {
			if (client.isConnected()) {
				client.disconnect(2000);
			}
			client.close(true);
		}
		catch (MqttException e) {
			// already gone
		}
	}
}
