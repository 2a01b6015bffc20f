package io.parley.realtime.internal;

import java.security.Principal;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.parley.realtime.HttpTransportSettings;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.socket.CloseStatus;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The Server-Sent Events transport: {@code GET /sse} streams the session's frames as events named by
 * their type, with the JSON frame as data; client frames go by {@code POST /api/sessions/{id}/frames}
 * ({@link SessionCommands}). Every event that moves the client's position carries the resume cursor as
 * its {@code id}, so a browser's EventSource that reconnects by itself sends it back as
 * {@code Last-Event-ID} and misses nothing. A comment line every {@code sse-heartbeat} keeps idle
 * proxies from closing the stream; {@code X-Accel-Buffering: no} and {@code no-transform} keep proxies
 * from holding events back.
 */
@RestController
class SseTransport {

	/** The event that ends a stream: data {@code {"type":"close","code":...,"reason":...}}. */
	static final String CLOSE_EVENT = "close";

	private final Sessions sessions;
	private final HttpSessions httpSessions;
	private final FrameCodec codec;
	private final HttpTransportSettings settings;

	private final Admission admission;

	SseTransport(Sessions sessions, HttpSessions httpSessions, FrameCodec codec, HttpTransportSettings settings, Admission admission) {
		this.admission = admission;
		this.sessions = sessions;
		this.httpSessions = httpSessions;
		this.codec = codec;
		this.settings = settings;
	}

	@GetMapping(path = "/sse", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Flux<ServerSentEvent<String>> stream(Principal principal, @RequestParam(name = "resume", required = false) String resume,
			@RequestHeader(name = "Last-Event-ID", required = false) String lastEventId, ServerHttpResponse response) {
		response.getHeaders().set(HttpHeaders.CACHE_CONTROL, "no-cache, no-transform");
		response.getHeaders().set("X-Accel-Buffering", "no");
		Admission.Decision admitted = admission.admit("sse");
		if (!admitted.admitted()) {
			// As a WebSocket gets 1013: 503, Retry-After, and one close event with the jittered hint.
			long wait = admitted.retryAfter().toMillis();
			response.setStatusCode(org.springframework.http.HttpStatus.SERVICE_UNAVAILABLE);
			response.getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString((wait + 999) / 1000));
			return Flux.just(ServerSentEvent.builder("{\"type\":\"close\",\"code\":1013,\"reason\":\"" + admitted.refusal()
					+ "\",\"retryAfterMs\":" + wait + "}").event(CLOSE_EVENT).build());
		}

		// The browser repeats the URL it was opened with (resume=) and adds Last-Event-ID, which is newer.
		ClientFrame fromQuery = codec.decodeCursor(resume);
		ClientFrame fromHeader = codec.decodeCursor(lastEventId);
		CursorPositions positions = CursorPositions.from(fromQuery).merge(CursorPositions.from(fromHeader));

		AtomicReference<CloseStatus> closedWith = new AtomicReference<>();
		AtomicReference<Sessions.Session> opened = new AtomicReference<>();
		Sessions.Session session = sessions.open(principal, "sse", status -> {
			closedWith.compareAndSet(null, status);
			Sessions.Session s = opened.get();
			if (s != null) {
				s.connection().complete(); // what is queued still goes out, then the close event
			}
		}, positions.asResume());
		opened.set(session);
		for (ClientFrame cursor : new ClientFrame[] { fromQuery, fromHeader }) {
			if (cursor instanceof ClientFrame.Invalid invalid) {
				session.connection().send(new ServerFrame.Error(invalid.code(), invalid.message(), invalid.ref()));
			}
		}
		httpSessions.register(session, null, admitted.ticket());

		AtomicBoolean first = new AtomicBoolean(true);
		Flux<ServerSentEvent<String>> events = session.connection()
			.outbound()
			.map(frame -> {
				// The cursor moves as frames are written, in order: the id is exactly where the client stands.
				boolean moved = positions.advance(frame.frame());
				ServerSentEvent.Builder<String> event = ServerSentEvent.builder(frame.json(codec)).event(FrameTypes.of(frame.frame()));
				if (moved) {
					event.id(positions.toString());
				}
				if (first.getAndSet(false)) {
					event.retry(settings.sseRetry());
				}
				return event.build();
			})
			.concatWith(Mono.fromSupplier(() -> closeEvent(closedWith.get())));
		Flux<ServerSentEvent<String>> heartbeats = Flux.interval(settings.sseHeartbeat(), settings.sseHeartbeat())
			.onBackpressureDrop() // a client that reads slowly needs no heartbeat queued up
			.map(tick -> ServerSentEvent.<String>builder().comment("heartbeat").build());
		return Flux.merge(events, heartbeats)
			.takeUntil(event -> CLOSE_EVENT.equals(event.event()))
			.doFinally(signal -> {
				httpSessions.unregister(session);
				CloseStatus closed = closedWith.get();
				session.end(closed != null && closed.getCode() == CloseStatus.NORMAL.getCode());
			});
	}

	private static ServerSentEvent<String> closeEvent(CloseStatus status) {
		CloseStatus closed = status == null ? CloseStatus.NORMAL : status;
		String reason = closed.getReason() == null ? "" : closed.getReason().replace("\\", "\\\\").replace("\"", "\\\"");
		return ServerSentEvent.builder("{\"type\":\"close\",\"code\":" + closed.getCode() + ",\"reason\":\"" + reason + "\"}")
			.event(CLOSE_EVENT)
			.build();
	}
}
