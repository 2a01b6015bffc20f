package io.parley.realtime.internal;

/**
 * A server frame on its way to one or many connections, with its wire encodings made at most once:
 * a message fanned out to a thousand sockets is serialized once per wire format, the first time a
 * connection of that format takes it, and the same text is written to every socket.
 */
final class OutboundFrame {

	private final ServerFrame frame;
	private volatile String json;

	OutboundFrame(ServerFrame frame) {
		this.frame = frame;
	}

	ServerFrame frame() {
		return frame;
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
}
