package io.parley.realtime.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.parley.groups.Conversations;
import io.parley.history.MessageLog;
import io.parley.presence.Presence;
import io.parley.presence.TypingAction;
import io.parley.realtime.RealtimeSettings;
import io.parley.shared.Blocking;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One MQTT client connection after a successful CONNECT: the MQTT side of a {@link Sessions.Session}.
 * Inbound PUBLISHes become {@link ClientFrame}s by topic; the connection's outbound frames become
 * PUBLISHes on the topic of what they are about (a conversation's messages or typing, a user's
 * presence, the user's own topic for the rest) when the client subscribed to it, else they are
 * dropped. A QoS 1 PUBLISH of a send is answered with PUBACK only when its {@code ack} (the entry is
 * durable) or a final refusal comes through the outbound queue, correlated by {@code clientMessageId}.
 */
final class MqttLink {

	private static final Logger log = LoggerFactory.getLogger(MqttLink.class);

	/** A PUBLISH copied out of its Netty buffer on arrival (the buffer is released once read). */
	record Publish(String topic, int packetId, int qos, byte[] payload) {
	}

	/** A client's QoS 1 or 2 send waiting for its ack. */
	private record Pending(int packetId, int qos) {
	}

	/** One of our QoS 1 PUBLISHes waiting for the client's PUBACK: the cursor it moves, if a log entry. */
	private record InFlight(UUID conversationId, long seq) {
	}

	private final UUID userId;
	private final String clientId;
	private final boolean persistent;
	private final boolean will;
	private final Sessions.Session session;
	private final reactor.netty.Connection channel;
	private final FrameCodec codec;
	private final JsonMapper json;
	private final Conversations conversations;
	private final MessageLog messages;
	private final Presence presence;
	private final MqttSessionStore store;
	private final RealtimeSettings settings;

	/** CONNACK aside, the packets that answer the client (SUBACK, PUBACK of non-sends, PINGRESP, ...). */
	private final Sinks.Many<MqttMessage> control = Sinks.many().unicast().onBackpressureBuffer();
	/** Topic filter (canonical) → granted QoS. */
	private final Map<String, Integer> subscriptions = new ConcurrentHashMap<>();
	private final Map<String, Deque<Pending>> pendingSends = new HashMap<>();
	private final Map<Integer, InFlight> inFlight = new ConcurrentHashMap<>();
	private int lastPacketId;
	private volatile boolean disconnected;

	MqttLink(UUID userId, String clientId, boolean persistent, boolean will, Sessions.Session session,
			reactor.netty.Connection channel, FrameCodec codec, JsonMapper json, Conversations conversations, MessageLog messages,
			Presence presence, MqttSessionStore store, RealtimeSettings settings) {
		this.userId = userId;
		this.clientId = clientId;
		this.persistent = persistent;
		this.will = will;
		this.session = session;
		this.channel = channel;
		this.codec = codec;
		this.json = json;
		this.conversations = conversations;
		this.messages = messages;
		this.presence = presence;
		this.store = store;
		this.settings = settings;
	}

	/** The subscriptions a persistent session had: they hold again at once, as MQTT 3.1.1 requires. */
	Mono<Void> restore(Map<String, Integer> stored) {
		stored.forEach((filter, qos) -> {
			MqttTopic topic = MqttTopic.parse(filter, true);
			if (topic != null) {
				subscriptions.put(topic.name(), qos);
			}
		});
		return watchedUsers().isEmpty() ? Mono.empty() : rewatch();
	}

	/**
	 * Whether the end of this connection is deliberate: a DISCONNECT, or any end of a client that
	 * registered a last will (it asked to be announced gone at once).
	 */
	boolean deliberate() {
		return disconnected || will;
	}

	Flux<MqttMessage> control() {
		return control.asFlux();
	}

	void inboundDone() {
		synchronized (control) {
			control.tryEmitComplete();
		}
	}

	private void answer(MqttMessage packet) {
		synchronized (control) {
			control.tryEmitNext(packet);
		}
	}

	// ---------------------------------------------------------------- inbound

	/**
	 * Answers at once what must not wait behind a slow send (a PUBLISH is handled when the pipeline
	 * took it): PINGREQ, so a busy connection is never taken for a dead one, and the client's PUBACKs.
	 *
	 * @return whether the packet is done with
	 */
	boolean answeredAtOnce(Object packet) {
		if (packet instanceof MqttMessage message && message.decoderResult().isSuccess()) {
			MqttMessageType type = message.fixedHeader().messageType();
			if (type == MqttMessageType.PINGREQ) {
				answer(new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGRESP, false, MqttQoS.AT_MOST_ONCE, false, 0)));
				return true;
			}
			if (type == MqttMessageType.PUBACK) {
				delivered(((MqttMessageIdVariableHeader) message.variableHeader()).messageId());
				return true;
			}
		}
		return false;
	}

	/** Handles one packet from the client; the caller handles a connection's packets one after another. */
	Mono<Void> onPacket(Object packet) {
		if (packet instanceof Publish publish) {
			return onPublish(publish);
		}
		if (!(packet instanceof MqttMessage message) || message.decoderResult().isFailure()) {
			log.info("Closing MQTT connection of user {}: malformed packet", userId);
			channel.dispose();
			return Mono.empty();
		}
		MqttMessageType type = message.fixedHeader().messageType();
		switch (type) {
			case PUBACK -> delivered(((MqttMessageIdVariableHeader) message.variableHeader()).messageId());
			case PUBREL -> answer(reply(MqttMessageType.PUBCOMP, ((MqttMessageIdVariableHeader) message.variableHeader()).messageId()));
			case SUBSCRIBE -> {
				return onSubscribe((MqttSubscribeMessage) message);
			}
			case UNSUBSCRIBE -> {
				return onUnsubscribe((MqttUnsubscribeMessage) message);
			}
			case PINGREQ -> answer(new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGRESP, false, MqttQoS.AT_MOST_ONCE, false, 0)));
			case DISCONNECT -> {
				disconnected = true;
				channel.dispose();
			}
			default -> {
				// A second CONNECT, or a packet only servers send: a protocol violation closes the connection.
				log.info("Closing MQTT connection of user {}: unexpected {}", userId, type);
				channel.dispose();
			}
		}
		return Mono.empty();
	}

	private Mono<Void> onPublish(Publish publish) {
		ClientFrame frame = decode(publish);
		String clientMessageId = clientMessageId(frame);
		if (clientMessageId != null && publish.qos() > 0) {
			// Answered when the ack or a refusal for this clientMessageId comes through the outbound queue.
			synchronized (pendingSends) {
				pendingSends.computeIfAbsent(clientMessageId, id -> new ArrayDeque<>()).add(new Pending(publish.packetId(), publish.qos()));
			}
			return session.handle(frame);
		}
		return session.handle(frame).then(Mono.fromRunnable(() -> acknowledge(publish.packetId(), publish.qos())));
	}

	private void acknowledge(int packetId, int qos) {
		if (qos == 1) {
			answer(MqttMessageBuilders.pubAck().packetId(packetId).build());
		}
		else if (qos == 2) {
			answer(reply(MqttMessageType.PUBREC, packetId));
		}
	}

	private static String clientMessageId(ClientFrame frame) {
		if (frame instanceof ClientFrame.Send send) {
			return send.clientMessageId();
		}
		if (frame instanceof ClientFrame.Edit edit) {
			return edit.clientMessageId();
		}
		if (frame instanceof ClientFrame.Delete delete) {
			return delete.clientMessageId();
		}
		return null;
	}

	/** A PUBLISH as a client frame, by its topic; never throws (a refusal is {@link ClientFrame.Invalid}). */
	ClientFrame decode(Publish publish) {
		MqttTopic topic = MqttTopic.parse(publish.topic(), false);
		if (topic == null) {
			return new ClientFrame.Invalid("unknown_topic", "Parley has no topic '" + abbreviate(publish.topic()) + "'", null);
		}
		ClientFrame.Invalid oversized = codec.oversized(publish.payload().length);
		if (oversized != null) {
			return oversized;
		}
		String text;
		try {
			text = StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(publish.payload()))
				.toString();
		}
		catch (CharacterCodingException e) {
			return new ClientFrame.Invalid("malformed_frame", "The payload is not UTF-8 text", null);
		}
		try {
			return switch (topic.kind()) {
				case MESSAGES -> entry(topic.id(), text);
				case TYPING -> typing(topic.id(), text);
				case PRESENCE -> ownTopic(topic) ? presenceSet(text)
						: invalid("You may publish only to your own presence topic " + MqttTopic.presence(userId).name());
				case USER -> ownTopic(topic) ? userFrame(text)
						: invalid("You may publish only to your own topic " + MqttTopic.user(userId).name());
			};
		}
		catch (RuntimeException unexpected) {
			log.warn("MQTT payload decoding failed unexpectedly", unexpected);
			return new ClientFrame.Invalid("malformed_frame", "The payload could not be read", null);
		}
	}

	private boolean ownTopic(MqttTopic topic) {
		return userId.equals(topic.id());
	}

	/** A send, edit or delete in the topic's conversation: the WebSocket frame without type (default send) and conversationId. */
	private ClientFrame entry(UUID conversationId, String text) {
		JsonNode tree;
		try {
			tree = json.readTree(text);
		}
		catch (JacksonException e) {
			return new ClientFrame.Invalid("malformed_frame", "The payload is not valid JSON", null);
		}
		if (!(tree instanceof ObjectNode frame)) {
			return new ClientFrame.Invalid("malformed_frame", "The payload must be a JSON object", null);
		}
		JsonNode type = frame.get("type");
		if (type == null) {
			frame.put("type", "send");
		}
		else if (!type.isString() || !Set.of("send", "edit", "delete").contains(type.asString())) {
			return invalid("A conversation's messages topic takes send, edit or delete");
		}
		JsonNode named = frame.get("conversationId");
		if (named != null && !(named.isString() && named.asString().equalsIgnoreCase(conversationId.toString()))) {
			return invalid("conversationId differs from the topic's conversation");
		}
		frame.put("conversationId", conversationId.toString());
		return codec.decode(frame);
	}

	private ClientFrame typing(UUID conversationId, String text) {
		return switch (text.trim().toLowerCase(Locale.ROOT)) {
			case "start" -> new ClientFrame.Typing(TypingAction.START, conversationId, null);
			case "renew" -> new ClientFrame.Typing(TypingAction.RENEW, conversationId, null);
			case "stop" -> new ClientFrame.Typing(TypingAction.STOP, conversationId, null);
			default -> invalid("A typing topic takes start, renew or stop");
		};
	}

	private ClientFrame presenceSet(String text) {
		return switch (text.trim().toLowerCase(Locale.ROOT)) {
			case "away" -> new ClientFrame.PresenceSet(true, null);
			case "online" -> new ClientFrame.PresenceSet(false, null);
			default -> invalid("A presence topic takes away or online");
		};
	}

	/** Any WebSocket client frame, as JSON text; presence is watched by subscribing to presence topics instead. */
	private ClientFrame userFrame(String text) {
		ClientFrame frame = codec.decode(text);
		if (frame instanceof ClientFrame.PresenceSubscribe subscribe) {
			return new ClientFrame.Invalid("validation_failed",
					"Over MQTT, watch a user's presence by subscribing to parley/presence/{userId}", subscribe.ref());
		}
		return frame;
	}

	private static ClientFrame.Invalid invalid(String message) {
		return new ClientFrame.Invalid("validation_failed", message, null);
	}

	// ---------------------------------------------------------------- subscriptions

	private Mono<Void> onSubscribe(MqttSubscribeMessage message) {
		int packetId = message.variableHeader().messageId();
		return Flux.fromIterable(message.payload().topicSubscriptions())
			.concatMap(this::subscribe)
			.collectList()
			.doOnNext(granted -> {
				MqttMessageBuilders.SubAckBuilder suback = MqttMessageBuilders.subAck().packetId(packetId);
				granted.forEach(suback::addGrantedQos);
				answer(suback.build());
			})
			.then();
	}

	/** Grants QoS 0 or 1 (2 is granted as 1), or refuses with 0x80: unknown topics, others' topics, non-members. */
	private Mono<MqttQoS> subscribe(MqttTopicSubscription subscription) {
		MqttTopic topic = MqttTopic.parse(subscription.topicFilter(), true);
		MqttQoS granted = subscription.qualityOfService() == MqttQoS.AT_MOST_ONCE ? MqttQoS.AT_MOST_ONCE : MqttQoS.AT_LEAST_ONCE;
		if (topic == null) {
			return Mono.just(MqttQoS.FAILURE);
		}
		Mono<Boolean> allowed = switch (topic.kind()) {
			case MESSAGES, TYPING -> topic.wildcard() ? Mono.just(true) : conversations.isMember(topic.id(), userId);
			case PRESENCE -> Mono.just(true); // who may be seen is the presence module's rule: others are silently left out
			case USER -> Mono.just(ownTopic(topic));
		};
		return allowed.flatMap(ok -> ok ? register(topic, granted.value()).thenReturn(granted) : Mono.just(MqttQoS.FAILURE))
			.onErrorResume(e -> {
				log.warn("Subscription of user {} to {} failed", userId, subscription.topicFilter(), e);
				subscriptions.remove(topic.name());
				return Mono.just(MqttQoS.FAILURE);
			});
	}

	private Mono<Void> register(MqttTopic topic, int qos) {
		// A persistent session's cursor starts at the head seen before the subscription holds: what is
		// stored meanwhile may come twice after a reconnect (at-least-once), but is never skipped.
		Mono<Void> cursors = persistent && topic.kind() == MqttTopic.Kind.MESSAGES ? startCursors(topic) : Mono.empty();
		return cursors.then(Mono.defer(() -> {
			subscriptions.put(topic.name(), qos);
			Mono<Void> watch = topic.kind() == MqttTopic.Kind.PRESENCE ? rewatch() : Mono.empty();
			return watch.then(persistent ? store.subscribed(userId, clientId, topic.name(), qos) : Mono.empty());
		}));
	}

	private Mono<Void> startCursors(MqttTopic topic) {
		Flux<UUID> ids = topic.wildcard()
				? Blocking.call(() -> conversations.membershipsNow(userId)).flatMapIterable(Map::keySet)
				: Flux.just(topic.id());
		return ids.concatMap(id -> messages.head(id).flatMap(head -> store.startCursor(userId, clientId, id, head))).then();
	}

	private Mono<Void> onUnsubscribe(MqttUnsubscribeMessage message) {
		boolean presenceChanged = false;
		List<Mono<Void>> forget = new ArrayList<>();
		for (String filter : message.payload().topics()) {
			MqttTopic topic = MqttTopic.parse(filter, true);
			if (topic != null && subscriptions.remove(topic.name()) != null) {
				presenceChanged |= topic.kind() == MqttTopic.Kind.PRESENCE;
				if (persistent) {
					forget.add(store.unsubscribed(userId, clientId, topic.name()));
				}
			}
		}
		Mono<Void> watch = presenceChanged ? rewatch() : Mono.empty();
		return watch.then(Flux.concat(forget).then())
			.onErrorResume(e -> Mono.empty())
			.then(Mono.fromRunnable(() -> answer(MqttMessageBuilders.unsubAck().packetId(message.variableHeader().messageId()).build())));
	}

	private List<UUID> watchedUsers() {
		List<UUID> users = new ArrayList<>();
		subscriptions.keySet().forEach(filter -> {
			MqttTopic topic = MqttTopic.parse(filter, true);
			if (topic != null && topic.kind() == MqttTopic.Kind.PRESENCE) {
				users.add(topic.id());
			}
		});
		return users;
	}

	/** The presence module watches one list per connection: the users of all presence subscriptions. */
	private Mono<Void> rewatch() {
		return presence.watch(session.connection().id(), userId, watchedUsers(), null);
	}

	// ---------------------------------------------------------------- outbound

	/**
	 * The MQTT packets for one outbound frame, in order: PUBLISHes where subscribed, and the PUBACK
	 * (or PUBREC) of the client's send it answers. Called for a connection's frames one after another.
	 */
	Flux<MqttMessage> packets(OutboundFrame outbound) {
		ServerFrame frame = outbound.frame();
		List<MqttMessage> packets = new ArrayList<>(2);
		if (frame instanceof ServerFrame.Message message) {
			publish(MqttTopic.messages(message.conversationId()), outbound, new InFlight(message.conversationId(), message.seq()), packets);
		}
		else if (frame instanceof ServerFrame.Typing typing) {
			publish(MqttTopic.typing(typing.conversationId()), outbound, null, packets);
		}
		else if (frame instanceof ServerFrame.Presence changed) {
			publish(MqttTopic.presence(changed.userId()), outbound, null, packets);
		}
		else if (frame instanceof ServerFrame.PresenceState state) {
			// Each watched user's topic gets that user's presence as it is now.
			state.users().forEach(user -> publish(MqttTopic.presence(user.userId()), new OutboundFrame(user), null, packets));
		}
		else {
			if (frame instanceof ServerFrame.Ack ack) {
				answered(ack.clientMessageId(), false, packets);
			}
			else if (frame instanceof ServerFrame.Error error && error.ref() != null) {
				answered(error.ref(), "unavailable".equals(error.code()), packets);
			}
			else if (frame instanceof ServerFrame.ConversationAdded added && persistent
					&& subscriptions.containsKey(MqttTopic.messages(null).name())) {
				// A new conversation under the wildcard: a reconnect resumes it from the join point.
				store.startCursor(userId, clientId, added.conversationId(), 0).subscribe(null,
						e -> log.warn("Could not keep the cursor of MQTT session {} of user {}", clientId, userId, e));
			}
			publish(MqttTopic.user(userId), outbound, null, packets);
		}
		return Flux.fromIterable(packets);
	}

	/**
	 * The client's send is answered. An {@code unavailable} refusal is not final: the connection is
	 * closed without PUBACK, so the client sends it again (same clientMessageId) when it reconnects,
	 * which MQTT clients do for unacknowledged QoS 1 PUBLISHes.
	 */
	private void answered(String clientMessageId, boolean retry, List<MqttMessage> packets) {
		Pending pending;
		synchronized (pendingSends) {
			Deque<Pending> waiting = pendingSends.get(clientMessageId);
			pending = waiting == null ? null : waiting.poll();
			if (waiting != null && waiting.isEmpty()) {
				pendingSends.remove(clientMessageId);
			}
		}
		if (pending == null) {
			return;
		}
		if (retry) {
			log.info("Closing MQTT connection of user {}: a send could not be handed to the pipeline; the client resends it", userId);
			channel.dispose();
			return;
		}
		packets.add(pending.qos() == 1 ? MqttMessageBuilders.pubAck().packetId(pending.packetId()).build()
				: reply(MqttMessageType.PUBREC, pending.packetId()));
	}

	private void publish(MqttTopic topic, OutboundFrame frame, InFlight entry, List<MqttMessage> packets) {
		Integer qos = subscriptions.get(topic.name());
		if (entry != null) {
			qos = higher(qos, subscriptions.get(MqttTopic.messages(null).name()));
		}
		else if (topic.kind() == MqttTopic.Kind.TYPING) {
			qos = higher(qos, subscriptions.get(MqttTopic.typing(null).name()));
		}
		if (qos == null) {
			return; // not subscribed: MQTT delivers only what was asked for
		}
		int packetId = 0;
		if (qos > 0) {
			if (inFlight.size() >= settings.outboundQueue()) {
				log.info("Closing MQTT connection of user {}: {} PUBLISHes unacknowledged", userId, inFlight.size());
				channel.dispose();
				return;
			}
			packetId = nextPacketId();
			inFlight.put(packetId, entry == null ? new InFlight(null, 0) : entry);
		}
		else if (entry != null && persistent) {
			advance(entry);
		}
		byte[] payload = frame.json(codec).getBytes(StandardCharsets.UTF_8);
		packets.add(MqttMessageBuilders.publish()
			.topicName(topic.name())
			.qos(MqttQoS.valueOf(qos))
			.retained(false)
			.messageId(packetId)
			.payload(Unpooled.wrappedBuffer(payload))
			.build());
	}

	/** The higher QoS of an exact and a wildcard subscription, either of which may be absent (null). */
	private static Integer higher(Integer exact, Integer wildcard) {
		if (exact == null) {
			return wildcard;
		}
		return wildcard == null ? exact : Integer.valueOf(Math.max(exact, wildcard));
	}

	private int nextPacketId() {
		do {
			lastPacketId = lastPacketId == 65535 ? 1 : lastPacketId + 1;
		}
		while (inFlight.containsKey(lastPacketId));
		return lastPacketId;
	}

	/** The client has one of our QoS 1 PUBLISHes: a log entry moves the persistent session's cursor. */
	private void delivered(int packetId) {
		InFlight entry = inFlight.remove(packetId);
		if (entry != null && entry.conversationId() != null && persistent) {
			advance(entry);
		}
	}

	private void advance(InFlight entry) {
		store.advanceCursor(userId, clientId, entry.conversationId(), entry.seq())
			.subscribe(null, e -> log.warn("Could not keep the cursor of MQTT session {} of user {}", clientId, userId, e));
	}

	private static MqttMessage reply(MqttMessageType type, int packetId) {
		return new MqttMessage(new MqttFixedHeader(type, false, MqttQoS.AT_MOST_ONCE, false, 0), MqttMessageIdVariableHeader.from(packetId));
	}

	private static String abbreviate(String s) {
		return s == null ? "" : s.length() <= 80 ? s : s.substring(0, 80) + "…";
	}
}
