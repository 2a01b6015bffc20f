package io.parley.realtime.internal;

import java.util.List;

import org.springframework.web.reactive.socket.HandshakeInfo;

/**
 * The encoding of one WebSocket connection, chosen at the handshake by subprotocol: a client offers
 * {@code Sec-WebSocket-Protocol: parley.v1.proto} (or {@code parley.v1.json}); the server takes the
 * first one offered that it knows. No header, or only unknown ones, is JSON, as before subprotocols
 * existed, so older clients keep working.
 */
enum WireFormat {

	/** Text frames, one JSON object each. */
	JSON("parley.v1.json"),
	/** Binary frames, one {@code parley.v1.ClientFrame}/{@code ServerFrame} each. */
	PROTOBUF("parley.v1.proto");

	/** What {@link ChatSocketHandler#getSubProtocols()} announces, in the server's order. */
	static final List<String> SUBPROTOCOLS = List.of(JSON.subprotocol, PROTOBUF.subprotocol);

	private final String subprotocol;

	WireFormat(String subprotocol) {
		this.subprotocol = subprotocol;
	}

	String subprotocol() {
		return subprotocol;
	}

	static WireFormat of(HandshakeInfo handshake) {
		return PROTOBUF.subprotocol.equals(handshake.getSubProtocol()) ? PROTOBUF : JSON;
	}
}
