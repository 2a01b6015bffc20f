package io.parley.realtime.internal;

import java.security.Principal;

import io.parley.identity.Accounts;
import io.parley.shared.ProblemDetails;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.socket.CloseStatus;

/**
 * Client frames for sessions carried by SSE or long polling: {@code POST /api/sessions/{id}/frames}
 * with one JSON frame as the body, exactly as it would go on a WebSocket. The answer is 202 once the
 * frame is queued for its session; what it leads to (an ack, an error frame) arrives on the session's
 * stream, as on a WebSocket. {@code DELETE /api/sessions/{id}} ends a session deliberately (a logout:
 * the device goes offline at once).
 */
@RestController
class SessionCommands {

	private static final CloseStatus ENDED_BY_CLIENT = new CloseStatus(CloseStatus.NORMAL.getCode(), "ended by the client");

	private final HttpSessions httpSessions;
	private final FrameCodec codec;

	SessionCommands(HttpSessions httpSessions, FrameCodec codec) {
		this.httpSessions = httpSessions;
		this.codec = codec;
	}

	@PostMapping("/api/sessions/{sessionId}/frames")
	ResponseEntity<Object> post(Principal principal, @PathVariable String sessionId, @RequestBody(required = false) String body) {
		HttpSessions.Entry entry = httpSessions.of(sessionId, Accounts.idOf(principal)).orElse(null);
		if (entry == null) {
			return notFound(sessionId);
		}
		String text = body == null ? "" : body;
		int bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
		// The same limit and the same error frame as on a WebSocket: the session stays usable.
		ClientFrame oversized = codec.oversized(bytes);
		ClientFrame frame = oversized != null ? oversized : codec.decode(text);
		if (!entry.accept(frame)) {
			return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
				.header("Retry-After", "1")
				.body(ProblemDetails.of(HttpStatus.TOO_MANY_REQUESTS, "too_many_pending_frames", "Too many frames in flight",
						"This session still has frames to handle; send again shortly"));
		}
		return ResponseEntity.accepted().build();
	}

	@DeleteMapping("/api/sessions/{sessionId}")
	ResponseEntity<Object> end(Principal principal, @PathVariable String sessionId) {
		HttpSessions.Entry entry = httpSessions.of(sessionId, Accounts.idOf(principal)).orElse(null);
		if (entry == null) {
			return notFound(sessionId);
		}
		entry.session().connection().close(ENDED_BY_CLIENT);
		if (entry.poll() != null) {
			// No stream to end: the session ends here (an SSE stream ends it as its close event goes out).
			httpSessions.unregister(entry.session());
			entry.session().end(true);
		}
		return ResponseEntity.noContent().build();
	}

	static ResponseEntity<Object> notFound(String sessionId) {
		return ResponseEntity.status(HttpStatus.NOT_FOUND)
			.body(ProblemDetails.of(HttpStatus.NOT_FOUND, "session_not_found", "No such session",
					"Session " + sessionId + " is not open on this node (ended, expired, or the node restarted): "
							+ "open a new one with your resume cursor"));
	}
}
