package io.parley.realtime.internal;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.web.reactive.socket.CloseStatus;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;

/**
 * One live client connection and its bounded outbound queue. Frames come from several threads (the
 * socket's event loop for pongs and errors, Kafka listener threads for messages), so emission is
 * serialized here; order within a connection is the order of {@link #send}.
 * <p>
 * The queue has two marks ({@link OutboundPolicy}): past {@code ephemeralLimit} frames, ephemeral
 * frames (typing, presence, receipt and unread hints, which the client can do without or read again)
 * are dropped instead of queued; a durable frame (a message, an ack, a reply) that would pass
 * {@code capacity} closes the connection with {@link #TOO_SLOW}, and the client resumes from its
 * cursors. So a connection that stops reading holds at most {@code capacity} frames, whatever the
 * traffic around it.
 */
final class Connection {

	/** Application close code: the client did not read fast enough; it should reconnect and resume from its cursors. */
	static final CloseStatus TOO_SLOW = new CloseStatus(4008, "too slow: reconnect and resume from your cursors");

	/** The MDC keys every log line about a session carries. */
	static final String SESSION_KEY = "sessionId";
	static final String USER_KEY = "userId";

	private static final Logger log = LoggerFactory.getLogger(Connection.class);

	private final String id = UUID.randomUUID().toString();
	private final UUID userId;
	private final String transport;
	private final Consumer<CloseStatus> closer;
	private final OutboundPolicy policy;
	private final Sinks.Many<OutboundFrame> outbound;
	private final AtomicInteger queued = new AtomicInteger();
	private final java.util.Map<UUID, ConversationStream> streams = new java.util.concurrent.ConcurrentHashMap<>();
	/** The most frames this connection ever had queued (guarded by this). */
	private int peakQueued;
	/** Set once the queue is completed (overflow, end): later frames are discarded (guarded by this). */
	private boolean completed;
	private volatile boolean tooSlow;

	/**
	 * @param transport what carries it ({@code websocket}, {@code sse}, {@code longpoll}, ...), for logs and metrics
	 * @param closer ends the transport under this connection with a close status (a socket close, an ended stream)
	 */
	Connection(UUID userId, String transport, Consumer<CloseStatus> closer, int queueCapacity) {
		this(userId, transport, closer, OutboundPolicy.of(queueCapacity));
	}

	Connection(UUID userId, String transport, Consumer<CloseStatus> closer, OutboundPolicy policy) {
		this.userId = userId;
		this.transport = transport;
		this.closer = closer;
		this.policy = policy;
		// The policy, not the queue, decides when it is full (see send), so the queue grows in small links
		// as frames wait: a bounded array queue would allocate all its 1,024 slots (8 KiB) for every
		// idle connection up front.
		this.outbound = Sinks.many().unicast().onBackpressureBuffer(Queues.<OutboundFrame>unbounded(16).get());
	}

	String id() {
		return id;
	}

	UUID userId() {
		return userId;
	}

	String transport() {
		return transport;
	}

	/** Frames queued and not yet taken by the transport. */
	int queued() {
		return queued.get();
	}

	/** The most frames ever queued at once on this connection. */
	synchronized int peakQueued() {
		return peakQueued;
	}

	/** Whether this connection was closed for not reading fast enough. */
	boolean tooSlow() {
		return tooSlow;
	}

	/** This connection's position in a conversation's log. */
	ConversationStream stream(UUID conversationId) {
		return streams.computeIfAbsent(conversationId, ConversationStream::new);
	}

	void forget(UUID conversationId) {
		streams.remove(conversationId);
	}

	/** What the transport writes, in order; each frame taken leaves the queue. */
	Flux<OutboundFrame> outbound() {
		return outbound.asFlux().doOnNext(frame -> {
			queued.decrementAndGet();
			policy.listener().written(this, frame);
		});
	}

	void send(ServerFrame frame) {
		send(new OutboundFrame(frame));
	}

	/** Queues a frame; one shared by many connections is encoded once per wire format (see {@link OutboundFrame}). */
	void send(OutboundFrame frame) {
		int depth;
		synchronized (this) {
			if (completed) {
				return;
			}
			depth = queued.get();
			if (depth >= policy.ephemeralLimit() && OutboundPolicy.isEphemeral(frame.frame())) {
				policy.listener().dropped(this, frame.frame());
				return;
			}
			if (depth < policy.capacity()) {
				queued.incrementAndGet();
				if (outbound.tryEmitNext(frame) != Sinks.EmitResult.OK) {
					queued.decrementAndGet(); // the transport is gone (cancelled): nobody will read it
					return;
				}
				peakQueued = Math.max(peakQueued, depth + 1);
				return;
			}
			tooSlow = true;
			completed = true; // from here on nothing more is emitted but the completion below
		}
		try (LogContext session = logContext()) {
			log.info("Closing connection {} ({}) of user {}: {} frames queued and not read", id, transport, userId, depth);
		}
		policy.listener().tooSlow(this);
		// Outside the monitor: closing ends the session, which takes other monitors (its presence feed,
		// a long poll) that are held by threads on their way into send.
		closer.accept(TOO_SLOW); // first: a transport that reports the code learns it before the queue ends
		outbound.tryEmitComplete(); // outside the monitor, as in complete()
	}

	/**
	 * Ends the queue. The completion is emitted outside the monitor: it runs the transport's end on
	 * this thread (the session ends, its presence feed closes and takes the feed's monitor), while a
	 * typing or presence signal holding that feed monitor may be on its way into {@link #send}, which
	 * takes this one. Under the monitor that was a lock-order deadlock that wedged a Netty event loop
	 * (found by EventLoopsNeverBlockTests). Once {@code completed} is set no {@code send} emits again,
	 * so nothing races the completion but another completion, which the sink ignores.
	 */
	void complete() {
		synchronized (this) {
			completed = true;
		}
		outbound.tryEmitComplete();
	}

	void close(CloseStatus status) {
		closer.accept(status);
	}

	/**
	 * Puts this session's ids in the logging context (MDC {@code sessionId}, {@code userId}) until
	 * closed, then restores what was there: {@code try (var ignored = connection.logContext()) { log... }}.
	 */
	LogContext logContext() {
		return new LogContext(id, userId.toString());
	}

	/** A session's ids in the MDC for a block of code. */
	static final class LogContext implements AutoCloseable {

		private final String previousSession = MDC.get(SESSION_KEY);
		private final String previousUser = MDC.get(USER_KEY);

		private LogContext(String sessionId, String userId) {
			MDC.put(SESSION_KEY, sessionId);
			MDC.put(USER_KEY, userId);
		}

		@Override
		public void close() {
			restore(SESSION_KEY, previousSession);
			restore(USER_KEY, previousUser);
		}

		private static void restore(String key, String value) {
			if (value == null) {
				MDC.remove(key);
			}
			else {
				MDC.put(key, value);
			}
		}
	}
}
