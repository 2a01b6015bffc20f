package io.parley.realtime.internal;

/**
 * A server frame on its way to one or many connections, with its wire encodings made at most once
 * per format. This is where "encode once" happens: {@link LocalFanout} wraps each stored entry in one
 * OutboundFrame and queues that same object on every recipient connection; each connection's outbound
 * mapping ({@link ChatSocketHandler}, by the connection's {@link WireFormat}) asks it for {@link #json}
 * or {@link #protobuf}, and only the first connection of a format pays for the serialization. The
 * codecs count every encoding ({@code parley.frames.encoded}), so the saving is visible and tested
 * ({@code EncodeOnceTests}).
 */
final class OutboundFrame {

	private final ServerFrame frame;
	private final java.time.Instant acceptedAt;
	private volatile String json;
	private volatile byte[] protobuf;

	OutboundFrame(ServerFrame frame) {
		this(frame, null);
	}

	/** @param acceptedAt when the server accepted the entry this live frame carries, for the delivery-latency metric */
	OutboundFrame(ServerFrame frame, java.time.Instant acceptedAt) {
		this.frame = frame;
		this.acceptedAt = acceptedAt;
	}

	ServerFrame frame() {
		return frame;
	}

	/** When the entry of a live frame was accepted (sequenced); null for catch-up and other frames. */
	java.time.Instant acceptedAt() {
		return acceptedAt;
	}

	/** The JSON text of this frame, encoded on first use and then shared. */
	String json(FrameCodec codec) {
		String text = json;
		if (text == null) {
			synchronized (this) {
				text = json;
				if (text == null) {
					text = codec.encode(frame);
					json = text;
				}
			}
		}
		return text;
	}

	/**
	 * The Protobuf bytes of this frame, encoded on first use and then shared. Callers only wrap the
	 * array for writing and never change it.
	 */
	byte[] protobuf(ProtobufFrameCodec codec) {
		byte[] bytes = protobuf;
		if (bytes == null) {
			synchronized (this) {
				bytes = protobuf;
				if (bytes == null) {
					bytes = codec.encode(frame);
					protobuf = bytes;
				}
			}
		}
		return bytes;
	}
}
