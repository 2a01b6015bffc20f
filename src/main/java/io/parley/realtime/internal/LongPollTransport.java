package io.parley.realtime.internal;

import java.security.Principal;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import io.parley.identity.Accounts;
import io.parley.realtime.HttpTransportSettings;
import io.parley.shared.ProblemDetails;

import org.springframework.context.SmartLifecycle;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.socket.CloseStatus;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The long-polling transport, for networks where neither WebSocket nor a streaming response gets
 * through. {@code POST /api/sessions?resume=} opens a session on this node; each
 * {@code GET /api/sessions/{id}/events?cursor=} answers at once when frames wait and otherwise holds
 * up to {@code poll-timeout}; client frames go by {@code POST /api/sessions/{id}/frames}. The handover
 * between polls is {@link LongPoll}'s job. A poll for a session this node does not have (it expired
 * after a long absence, overflowed, or the node restarted) opens a new one from the poll's cursor, so
 * the client resumes from history without a separate step: the answer names the new
 * {@code sessionId}.
 */
@RestController
class LongPollTransport implements SmartLifecycle {

	private final Sessions sessions;
	private final HttpSessions httpSessions;
	private final FrameCodec codec;
	private final HttpTransportSettings settings;
	private volatile Disposable sweeper;
	private final Admission admission;

	LongPollTransport(Sessions sessions, HttpSessions httpSessions, FrameCodec codec, HttpTransportSettings settings,
			io.parley.realtime.RealtimeSettings realtime, Admission admission) {
		this.admission = admission;
		if (settings.pendingFrames() <= realtime.maxCatchUp()) {
			// Else a resume after an overflow would overflow the new session again, and again.
			throw new IllegalArgumentException("parley.realtime.http.pending-frames must exceed parley.realtime.max-catch-up");
		}
		this.sessions = sessions;
		this.httpSessions = httpSessions;
		this.codec = codec;
		this.settings = settings;
	}

	@PostMapping("/api/sessions")
	ResponseEntity<Object> open(Principal principal, @RequestParam(name = "resume", required = false) String resume) {
		Admission.Decision admitted = admission.admit("longpoll");
		if (!admitted.admitted()) {
			return refused(admitted);
		}
		HttpSessions.Entry entry = open(principal, resume, admitted.ticket());
		return ResponseEntity.status(HttpStatus.CREATED)
			.contentType(MediaType.APPLICATION_JSON)
			.body("{\"sessionId\":\"" + entry.session().connection().id() + "\",\"cursor\":\"" + entry.poll().cursor() + "\"}");
	}

	@GetMapping("/api/sessions/{sessionId}/events")
	Mono<ResponseEntity<Object>> poll(Principal principal, @PathVariable String sessionId,
			@RequestParam(name = "cursor", required = false) String cursor) {
		UUID userId = Accounts.idOf(principal);
		HttpSessions.Entry entry = httpSessions.of(sessionId, userId).orElse(null);
		if (entry != null && entry.poll() == null) {
			return Mono.just(ResponseEntity.status(HttpStatus.CONFLICT)
				.body(ProblemDetails.of(HttpStatus.CONFLICT, "wrong_transport", "Not a long-poll session",
						"Session " + sessionId + " is an event stream; its events come on /sse")));
		}
		if (entry == null) {
			// Gone: resume from the positions in the cursor (the part before '~') in a new session.
			Admission.Decision admitted = admission.admit("longpoll");
			if (!admitted.admitted()) {
				return Mono.just(refused(admitted));
			}
			entry = open(principal, cursor == null ? null : cursor.split("~", 2)[0], admitted.ticket());
			cursor = null; // the old session's cursor means nothing to the new one: its first poll
		}
		HttpSessions.Entry polled = entry;
		return polled.poll().poll(cursor, settings.pollTimeout()).map(batch -> {
			if (batch.closed() != null) {
				end(polled, batch.closed());
			}
			return ResponseEntity.ok()
				.header(HttpHeaders.CACHE_CONTROL, "no-store")
				.contentType(MediaType.APPLICATION_JSON)
				.<Object>body(render(polled.session().connection().id(), batch));
		}).onErrorResume(LongPoll.UnknownCursor.class, e -> Mono.just(ResponseEntity.badRequest()
			.body(ProblemDetails.of(HttpStatus.BAD_REQUEST, "invalid_cursor", "Unknown cursor", e.getMessage()))));
	}

	/** Over this node's limits or draining: 503 with Retry-After and the jittered hint, as for a WebSocket handshake. */
	private static ResponseEntity<Object> refused(Admission.Decision decision) {
		long wait = decision.retryAfter().toMillis();
		org.springframework.http.ProblemDetail problem = ProblemDetails.of(HttpStatus.SERVICE_UNAVAILABLE, decision.refusal(),
				"Not now", "This node takes no new session now; open one again (on any node) after the retry delay");
		problem.setProperty("retryAfterMs", wait);
		return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
			.header(HttpHeaders.RETRY_AFTER, Long.toString((wait + 999) / 1000))
			.body(problem);
	}

	/** A new session, which lives no longer than the caller's access token unless renewed with an {@code auth} frame. */
	private HttpSessions.Entry open(Principal principal, String resume, Admission.Ticket ticket) {
		ClientFrame cursor = codec.decodeCursor(resume);
		CursorPositions positions = CursorPositions.from(cursor);
		AtomicReference<LongPoll> poll = new AtomicReference<>(new LongPoll(positions, settings.pendingFrames()));
		Sessions.Session session = sessions.open(principal, "longpoll", status -> poll.get().close(status),
				cursor instanceof ClientFrame.Invalid ? cursor : positions.asResume());
		session.connection().outbound().subscribe(poll.get()::offer);
		return httpSessions.register(session, poll.get(), ticket);
	}

	private void end(HttpSessions.Entry entry, CloseStatus status) {
		httpSessions.unregister(entry.session());
		entry.session().end(status.getCode() == CloseStatus.NORMAL.getCode());
	}

	/** The answer body: frames as they were encoded once for every recipient, in an envelope. */
	private Object render(String sessionId, LongPoll.Batch batch) {
		StringBuilder body = new StringBuilder(64 + batch.frames().size() * 256);
		body.append("{\"sessionId\":\"").append(sessionId).append("\",\"cursor\":\"").append(batch.cursor()).append("\",\"events\":[");
		for (int i = 0; i < batch.frames().size(); i++) {
			body.append(i == 0 ? "" : ",").append(batch.frames().get(i).json(codec));
		}
		body.append(']');
		if (batch.closed() != null) {
			String reason = batch.closed().getReason() == null ? "" : batch.closed().getReason().replace("\"", "'");
			body.append(",\"closed\":{\"code\":").append(batch.closed().getCode()).append(",\"reason\":\"").append(reason).append("\"}");
		}
		return body.append('}').toString();
	}

	/** Ends sessions nobody polls any more; their devices go offline when the presence TTL runs out. */
	@Override
	public void start() {
		Duration every = settings.sessionTimeout().dividedBy(4);
		sweeper = Flux.interval(every, every).subscribe(tick -> {
			for (HttpSessions.Entry entry : httpSessions.all()) {
				if (entry.poll() != null && entry.poll().idleFor(settings.sessionTimeout())) {
					entry.poll().close(new CloseStatus(4009, "no poll for " + settings.sessionTimeout().toSeconds() + " s"));
					end(entry, new CloseStatus(4009, "expired"));
				}
			}
		});
	}

	@Override
	public void stop() {
		if (sweeper != null) {
			sweeper.dispose();
		}
	}

	@Override
	public boolean isRunning() {
		return sweeper != null && !sweeper.isDisposed();
	}
}
