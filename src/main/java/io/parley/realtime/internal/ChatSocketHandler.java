package io.parley.realtime.internal;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import io.parley.identity.Accounts;
import io.parley.realtime.OverloadSettings;
import io.parley.realtime.RealtimeSettings;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The WebSocket transport. The handshake is already authenticated (Spring Security). Inbound frames
 * are decoded on arrival and handed to the {@link Sessions.Session} one after another
 * ({@code concatMap}), so one connection's pipelined sends reach the pipeline in the order they were
 * sent. Everything outbound goes through the connection's own bounded queue.
 */
@Component
class ChatSocketHandler implements WebSocketHandler {

	private static final Logger log = LoggerFactory.getLogger(ChatSocketHandler.class);

	private final FrameCodec codec;
	private final ProtobufFrameCodec protobuf;
	private final Sessions sessions;
	private final RealtimeSettings settings;
	private final OverloadSettings overload;

	ChatSocketHandler(FrameCodec codec, ProtobufFrameCodec protobuf, Sessions sessions, RealtimeSettings settings,
			OverloadSettings overload) {
		this.codec = codec;
		this.protobuf = protobuf;
		this.sessions = sessions;
		this.settings = settings;
		this.overload = overload;
	}

	/** Subprotocols a client may ask for; the encoding of each connection follows (see {@link WireFormat}). */
	@Override
	public List<String> getSubProtocols() {
		return WireFormat.SUBPROTOCOLS;
	}

	@Override
	public Mono<Void> handle(WebSocketSession socket) {
		WireFormat format = WireFormat.of(socket.getHandshakeInfo());
		return socket.getHandshakeInfo().getPrincipal().flatMap(principal -> {
			ClientFrame resume = codec.decodeResumeParameter(socket.getHandshakeInfo().getUri());
			// A server-side close (too slow, drain) gets closeGrace to flush its close frame; a client
			// that stopped reading never lets it through, so then the session ends without it.
			Sinks.Empty<Void> serverClosed = Sinks.empty();
			Sessions.Session session = sessions.open(principal, "websocket", status -> {
				socket.close(status).subscribe(null, e -> {
				});
				serverClosed.tryEmitEmpty();
			}, resume);
			Admission.Ticket ticket = (Admission.Ticket) socket.getAttributes().get(AdmissionFilter.TICKET);
			if (ticket != null) {
				ticket.opened();
			}
			AtomicReference<CloseStatus> closedBy = new AtomicReference<>();
			socket.closeStatus().subscribe(closedBy::set);

			Mono<Void> inbound = socket.receive()
				.filter(message -> message.getType() == WebSocketMessage.Type.TEXT
						|| message.getType() == WebSocketMessage.Type.BINARY)
				.map(message -> decode(message, format)) // decode now: the frame's buffer is released once this returns
				.concatMap(frame -> {
					try (var logContext = session.connection().logContext()) {
						return session.handle(frame);
					}
				})
				.then()
				.doFinally(signal -> session.connection().complete());
			// Each frame is serialized once per wire format, however many connections it goes to (see OutboundFrame).
			Mono<Void> outbound = socket.send(session.connection().outbound().map(frame -> format == WireFormat.PROTOBUF
					? socket.binaryMessage(buffers -> buffers.wrap(frame.protobuf(protobuf)))
					: socket.textMessage(frame.json(codec))));
			return Mono.when(inbound, outbound)
				.takeUntilOther(serverClosed.asMono().then(Mono.delay(overload.closeGrace())))
				.doFinally(signal -> {
					if (ticket != null) {
						ticket.release();
					}
					// Only a client's normal close (1000, e.g. logging out) takes the device away at once.
					CloseStatus closed = closedBy.get();
					session.end(closed != null && closed.getCode() == CloseStatus.NORMAL.getCode());
				});
		});
	}

	/**
	 * A JSON connection takes text frames only, a Protobuf connection binary frames only: the other
	 * kind is refused with {@code malformed_frame} and the connection stays open.
	 */
	private ClientFrame decode(WebSocketMessage message, WireFormat format) {
		boolean binary = message.getType() == WebSocketMessage.Type.BINARY;
		if (format == WireFormat.JSON && binary) {
			return new ClientFrame.Invalid("malformed_frame", "Binary frames are not accepted on a JSON connection", null);
		}
		if (format == WireFormat.PROTOBUF && !binary) {
			return new ClientFrame.Invalid("malformed_frame",
					"Text frames are not accepted on a Protobuf connection (subprotocol " + format.subprotocol() + ")", null);
		}
		int size = message.getPayload().readableByteCount();
		ClientFrame.Invalid oversized = codec.oversized(size);
		if (oversized != null) {
			return oversized;
		}
		try {
			if (binary) {
				byte[] bytes = new byte[size];
				message.getPayload().read(bytes);
				return protobuf.decode(bytes);
			}
			return codec.decode(message.getPayload().toString(StandardCharsets.UTF_8));
		}
		catch (RuntimeException unexpected) {
			// The codec refuses by value, not by exception; this is the safety net that keeps one odd
			// frame from ending the connection.
			log.warn("Frame decoding failed unexpectedly", unexpected);
			return new ClientFrame.Invalid("malformed_frame", "The frame could not be read", null);
		}
	}

}
