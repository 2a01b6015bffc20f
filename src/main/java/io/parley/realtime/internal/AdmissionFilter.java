package io.parley.realtime.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.parley.shared.ProblemDetails;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Load shedding for the WebSocket transport, before anything costs: ahead of authentication and the
 * upgrade, a handshake the node has no room for gets {@code 503} with {@code Retry-After} (seconds,
 * jittered) and a problem body with code {@code overloaded} or {@code draining} and
 * {@code retryAfterMs}. An admitted handshake carries its {@link Admission.Ticket} into the
 * WebSocket session (attribute {@link #TICKET}), where {@link ChatSocketHandler} opens and releases it.
 */
@Component
class AdmissionFilter implements WebFilter, Ordered {

	/** The exchange (and WebSocket session) attribute holding the handshake's ticket. */
	static final String TICKET = Admission.Ticket.class.getName();

	private final Admission admission;
	private final JsonMapper json;

	AdmissionFilter(Admission admission, JsonMapper json) {
		this.admission = admission;
		this.json = json;
	}

	/** Before Spring Security's chain (-100): a refused handshake costs no token check. */
	@Override
	public int getOrder() {
		return -200;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		if (!"/ws".equals(exchange.getRequest().getPath().pathWithinApplication().value())) {
			return chain.filter(exchange);
		}
		Admission.Decision decision = admission.admit("websocket");
		if (!decision.admitted()) {
			return refuse(exchange.getResponse(), decision);
		}
		Admission.Ticket ticket = decision.ticket();
		exchange.getAttributes().put(TICKET, ticket);
		return chain.filter(exchange).doFinally(signal -> ticket.handshakeEnded());
	}

	private Mono<Void> refuse(ServerHttpResponse response, Admission.Decision decision) {
		Duration wait = decision.retryAfter();
		boolean draining = Admission.DRAINING.equals(decision.refusal());
		ProblemDetail problem = ProblemDetails.of(HttpStatus.SERVICE_UNAVAILABLE, decision.refusal(),
				draining ? "Draining" : "Overloaded",
				draining ? "This node is shutting down; connect again (to any node) after the retry delay"
						: "This node has no room for another session now; connect again after the retry delay");
		problem.setProperty("retryAfterMs", wait.toMillis());
		response.setStatusCode(HttpStatus.SERVICE_UNAVAILABLE);
		// Retry-After is whole seconds: round up, so the header never asks for less than retryAfterMs.
		response.getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString((wait.toMillis() + 999) / 1000));
		response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
		byte[] body = json.writeValueAsString(problem).getBytes(StandardCharsets.UTF_8);
		return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
	}
}
