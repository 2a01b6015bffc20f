package io.parley.realtime.internal;

/**
 * How a {@link Connection}'s outbound queue behaves when its client reads too slowly: beyond
 * {@code ephemeralLimit} queued frames ephemeral ones are dropped, beyond {@code capacity} the
 * connection is closed; the listener sees both (metrics).
 */
record OutboundPolicy(int capacity, int ephemeralLimit, Listener listener) {

	/** What happens to a connection's frames, for metrics. Called under the connection's lock or on its writer: keep it cheap. */
	interface Listener {

		Listener NONE = new Listener() {
		};

		/** An ephemeral frame was not queued because the queue was past its ephemeral limit. */
		default void dropped(Connection connection, ServerFrame frame) {
		}

		/** The connection is closed for not reading: a durable frame would have overflowed its queue. */
		default void tooSlow(Connection connection) {
		}

		/** The transport took the frame to write it. */
		default void written(Connection connection, OutboundFrame frame) {
		}
	}

	OutboundPolicy {
		if (ephemeralLimit > capacity) {
			throw new IllegalArgumentException("parley.realtime.ephemeral-queue (" + ephemeralLimit
					+ ") must not be above outbound-queue (" + capacity + ")");
		}
	}

	/** No early drop of ephemeral frames, no listener. */
	static OutboundPolicy of(int capacity) {
		return new OutboundPolicy(capacity, capacity, Listener.NONE);
	}

	/**
	 * Frames a client can do without: typing and presence are superseded by the next signal (or expire),
	 * receipt and unread hints are re-read from {@code GET /api/me/unread} and the receipts endpoint.
	 */
	static boolean isEphemeral(ServerFrame frame) {
		return frame instanceof ServerFrame.Typing || frame instanceof ServerFrame.Presence
				|| frame instanceof ServerFrame.ReceiptUpdated || frame instanceof ServerFrame.UnreadUpdated;
	}

	/** The metric tag of an ephemeral frame's kind. */
	static String kind(ServerFrame frame) {
		if (frame instanceof ServerFrame.Typing) {
			return "typing";
		}
		if (frame instanceof ServerFrame.Presence) {
			return "presence";
		}
		return "receipt";
	}
}
