package io.parley.realtime.internal;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttIdentifierRejectedException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.parley.groups.Conversations;
import io.parley.history.MessageLog;
import io.parley.presence.Presence;
import io.parley.realtime.MqttSettings;
import io.parley.realtime.RealtimeSettings;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.stereotype.Component;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.NettyInbound;
import reactor.netty.NettyOutbound;
import reactor.netty.tcp.TcpServer;
import tools.jackson.databind.json.JsonMapper;

/**
 * The MQTT 3.1.1 transport: a Reactor Netty TCP server with Netty's MQTT decoder and encoder in the
 * pipeline, on its own port ({@code parley.mqtt.port}), started and stopped with the application.
 * It authenticates CONNECT with the same access token as the REST and WebSocket planes (the MQTT
 * password) and opens a {@link Sessions.Session} per connection; {@link MqttLink} does the rest.
 */
@Component
class MqttListener implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(MqttListener.class);

	/** Client ids longer than this are refused (0x02): they name a Redis key. */
	static final int MAX_CLIENT_ID_LENGTH = 128;

	private final MqttSettings mqtt;
	private final RealtimeSettings settings;
	private final ReactiveJwtDecoder tokens;
	private final Sessions sessions;
	private final MqttSessionStore store;
	private final FrameCodec codec;
	private final JsonMapper json;
	private final Conversations conversations;
	private final MessageLog messages;
	private final Presence presence;
	private final ConfigurableEnvironment environment;
	private volatile DisposableServer server;

	/** The node's connection limits, shared with every transport. */
	private final Admission admission;

	MqttListener(MqttSettings mqtt, RealtimeSettings settings, ReactiveJwtDecoder tokens, Sessions sessions, MqttSessionStore store,
			FrameCodec codec, JsonMapper json, Conversations conversations, MessageLog messages, Presence presence,
			ConfigurableEnvironment environment, Admission admission) {
		this.admission = admission;
		this.mqtt = mqtt;
		this.settings = settings;
		this.tokens = tokens;
		this.sessions = sessions;
		this.store = store;
		this.codec = codec;
		this.json = json;
		this.conversations = conversations;
		this.messages = messages;
		this.presence = presence;
		this.environment = environment;
	}

	@Override
	public void start() {
		if (!mqtt.enabled()) {
			log.info("MQTT listener disabled (parley.mqtt.enabled=false)");
			return;
		}
		int maxBytes = (int) Math.min(Integer.MAX_VALUE, settings.transportMaxFrameBytes().toBytes());
		server = TcpServer.create()
			.host(mqtt.host())
			.port(mqtt.port())
			.doOnConnection(connection -> connection.addHandlerLast("mqttDecoder", new MqttDecoder(maxBytes, MAX_CLIENT_ID_LENGTH))
				.addHandlerLast("mqttEncoder", MqttEncoder.INSTANCE))
			.handle(this::serve)
			.bindNow();
		environment.getPropertySources().addFirst(new MapPropertySource("parley.mqtt", Map.of("local.mqtt.port", server.port())));
		log.info("MQTT listener on {}:{}", mqtt.host(), server.port());
	}

	@Override
	public void stop() {
		DisposableServer running = server;
		if (running != null) {
			running.disposeNow();
			server = null;
		}
	}

	@Override
	public boolean isRunning() {
		return server != null;
	}

	/** The bound port, or -1 when not listening. */
	int port() {
		DisposableServer running = server;
		return running == null ? -1 : running.port();
	}

	private Mono<Void> serve(NettyInbound in, NettyOutbound out) {
		AtomicReference<Connection> channel = new AtomicReference<>();
		in.withConnection(channel::set);
		// Copy each PUBLISH out of its buffer now: Reactor Netty releases it once this returns.
		Flux<Object> packets = in.receiveObject().map(MqttListener::copy);
		return packets.timeout(Mono.delay(mqtt.connectTimeout()), packet -> Mono.never())
			.switchOnFirst((first, all) -> {
				if (!first.hasValue()) {
					return Flux.empty();
				}
				return connect(first.get(), all.skip(1), out, channel.get()).flux();
			})
			.onErrorResume(e -> {
				log.debug("MQTT connection ended: {}", e.toString());
				return Mono.empty();
			})
			.then();
	}

	private static Object copy(Object packet) {
		if (packet instanceof MqttPublishMessage publish && publish.decoderResult().isSuccess()) {
			byte[] payload = new byte[publish.payload().readableBytes()];
			publish.payload().getBytes(publish.payload().readerIndex(), payload);
			return new MqttLink.Publish(publish.variableHeader().topicName(), publish.variableHeader().packetId(),
					publish.fixedHeader().qosLevel().value(), payload);
		}
		return packet;
	}

	private Mono<Void> connect(Object packet, Flux<Object> rest, NettyOutbound out, Connection channel) {
		if (packet instanceof MqttMessage message && message.decoderResult().isFailure()) {
			Throwable cause = message.decoderResult().cause();
			if (cause instanceof MqttUnacceptableProtocolVersionException) {
				return refuse(out, MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION);
			}
			if (cause instanceof MqttIdentifierRejectedException) {
				return refuse(out, MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
			}
			return Mono.empty(); // malformed: close without an answer, as the spec says
		}
		if (!(packet instanceof MqttConnectMessage connect)) {
			return Mono.empty(); // the first packet must be CONNECT
		}
		MqttConnectVariableHeader header = connect.variableHeader();
		if (header.version() == MqttVersion.MQTT_5.protocolLevel()) {
			return refuse(out, MqttConnectReturnCode.CONNECTION_REFUSED_UNSUPPORTED_PROTOCOL_VERSION);
		}
		boolean clean = header.isCleanSession();
		String clientId = connect.payload().clientIdentifier();
		if (clientId == null || clientId.isEmpty()) {
			if (!clean) {
				return refuse(out, MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
			}
			clientId = "parley-" + UUID.randomUUID();
		}
		if (!header.hasPassword() || connect.payload().passwordInBytes() == null) {
			return refuse(out, MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
		}
		String token = new String(connect.payload().passwordInBytes(), StandardCharsets.UTF_8);
		String userName = header.hasUserName() ? connect.payload().userName() : null;
		String id = clientId;
		// Decide first, then run: the session's own end (an empty Mono) must never look like a refusal.
		return tokens.decode(token)
			.filter(jwt -> accepts(jwt, userName))
			.map(Optional::of)
			.onErrorResume(e -> Mono.empty())
			.defaultIfEmpty(Optional.empty())
			.flatMap(jwt -> jwt.isPresent() ? open(jwt.get(), id, connect, rest, out, channel)
					: refuse(out, MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD));
	}

	/** The user name may be left empty, or be the token's user id or username (any case); anything else is a mix-up. */
	private static boolean accepts(Jwt jwt, String userName) {
		if (userName == null || userName.isEmpty() || userName.equalsIgnoreCase(jwt.getSubject())) {
			return true;
		}
		String username = jwt.getClaimAsString("username");
		return username != null && username.equalsIgnoreCase(userName);
	}

	private Mono<Void> open(Jwt token, String clientId, MqttConnectMessage connect, Flux<Object> rest, NettyOutbound out,
			Connection channel) {
		UUID userId = UUID.fromString(token.getSubject());
		MqttConnectVariableHeader header = connect.variableHeader();
		boolean persistent = !header.isCleanSession();
		Mono<MqttSessionStore.Stored> stored = persistent ? store.load(userId, clientId)
				: store.discard(userId, clientId).thenReturn(new MqttSessionStore.Stored(Map.of(), Map.of()));
		return stored.map(Optional::of).onErrorResume(e -> {
			log.warn("Could not read the MQTT session {} of user {}", clientId, userId, e);
			return Mono.just(Optional.empty());
		}).flatMap(found -> {
			if (found.isEmpty()) {
				return refuse(out, MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
			}
			MqttSessionStore.Stored kept = found.get();
			ClientFrame resume = kept.cursors().isEmpty() ? null
					: new ClientFrame.Resume(kept.cursors().entrySet().stream()
						.map(c -> new ClientFrame.Cursor(c.getKey(), c.getValue()))
						.toList());
			// Over the node's limits, or draining: CONNACK 3 (server unavailable), the MQTT form of a 503.
			Admission.Decision admitted = admission.admit("mqtt");
			if (!admitted.admitted()) {
				return refuse(out, MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
			}
			// The session ends with its token, as on every transport: an MQTT client reconnects with a fresh one.
			Sessions.Session session = sessions.open(userId, token, "mqtt", status -> channel.dispose(), resume);
			admitted.ticket().opened();
			MqttLink link = new MqttLink(userId, clientId, persistent, header.isWillFlag(), session, channel, codec, json,
					conversations, messages, presence, store, settings);
			// MQTT 3.1.1: a client silent for one and a half keep-alive periods is gone.
			int keepAlive = header.keepAliveTimeSeconds();
			channel.onReadIdle(keepAlive > 0 ? keepAlive * 1500L : mqtt.idleWithoutKeepAlive().toMillis(), () -> {
				log.info("Closing MQTT connection {} of user {}: silent past its keep-alive", clientId, userId);
				channel.dispose();
			});
			MqttConnAckMessage accepted = MqttMessageBuilders.connAck()
				.returnCode(MqttConnectReturnCode.CONNECTION_ACCEPTED)
				.sessionPresent(persistent && kept.present())
				.build();
			// Subscriptions hold before the first outbound frame is routed (the catch-up of a resume included).
			Mono<Void> watch = link.restore(kept.subscriptions());
			Mono<Void> inbound = watch
				.onErrorResume(e -> Mono.empty())
				.thenMany(rest.filter(packet -> !link.answeredAtOnce(packet)).concatMap(link::onPacket))
				.onErrorResume(e -> {
					log.info("MQTT connection {} of user {} failed: {}", clientId, userId, e.toString());
					return Mono.empty();
				})
				.then()
				.doFinally(signal -> {
					link.inboundDone();
					session.connection().complete();
				});
			Flux<MqttMessage> packets = Flux.concat(Mono.just(accepted),
					Flux.merge(link.control(), session.connection().outbound().concatMap(link::packets)));
			Mono<Void> outbound = out.sendObject(packets).then().onErrorResume(e -> {
				log.info("MQTT connection {} of user {} could not be written to: {}", clientId, userId, e.toString());
				return Mono.empty();
			});
			return Mono.when(inbound, outbound).doFinally(signal -> {
				session.end(link.deliberate());
				admitted.ticket().release();
				channel.dispose();
			});
		});
	}

	private static Mono<Void> refuse(NettyOutbound out, MqttConnectReturnCode code) {
		return out.sendObject(Mono.just(MqttMessageBuilders.connAck().returnCode(code).sessionPresent(false).build())).then();
	}
}
