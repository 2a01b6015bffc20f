package io.parley.realtime.internal;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import io.parley.realtime.RealtimeGuardSettings;
import io.parley.shared.ProblemDetails;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Cross-site WebSocket hijacking: a page on another site can open a WebSocket to Parley, and a
 * browser sends along whatever it would for this origin. The handshake of {@code /ws} is therefore
 * accepted only from the server's own origin or a configured one ({@code parley.realtime.allowed-origins}),
 * before authentication even runs. Refused: 403 {@code origin_not_allowed}.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class OriginCheck implements WebFilter {

	private final Set<String> allowed;
	private final boolean any;
	private final JsonMapper json;

	OriginCheck(RealtimeGuardSettings settings, JsonMapper json) {
		this.allowed = settings.allowedOrigins().stream().map(OriginCheck::normalized).collect(Collectors.toUnmodifiableSet());
		this.any = settings.allowedOrigins().contains("*");
		this.json = json;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		ServerHttpRequest request = exchange.getRequest();
		String origin = request.getHeaders().getOrigin();
		if (origin == null || any || !"/ws".equals(request.getPath().pathWithinApplication().value()) || allowed(origin, request)) {
			return chain.filter(exchange);
		}
		var response = exchange.getResponse();
		response.setStatusCode(HttpStatus.FORBIDDEN);
		response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
		byte[] body = json.writeValueAsString(ProblemDetails.of(HttpStatus.FORBIDDEN, "origin_not_allowed", "Origin not allowed",
				"Pages of " + abbreviate(origin) + " may not open a Parley connection")).getBytes(StandardCharsets.UTF_8);
		return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
	}

	private boolean allowed(String origin, ServerHttpRequest request) {
		String normalized = normalized(origin);
		return allowed.contains(normalized) || normalized.equals(ownOrigin(request));
	}

	/**
	 * The server's own origin as the client addressed it: the request URI, which the server builds from
	 * the {@code Host} header and which {@code server.forward-headers-strategy=framework} rewrites from
	 * the proxy's {@code X-Forwarded-*} headers.
	 */
	private static String ownOrigin(ServerHttpRequest request) {
		URI uri = request.getURI();
		String scheme = uri.getScheme() == null ? "http" : uri.getScheme().toLowerCase(Locale.ROOT);
		String authority = uri.getRawAuthority() != null ? uri.getRawAuthority() : request.getHeaders().getFirst(HttpHeaders.HOST);
		// A WebSocket handshake arrives as ws/wss in some servers: its page's origin is http/https.
		scheme = scheme.equals("ws") ? "http" : scheme.equals("wss") ? "https" : scheme;
		return normalized(scheme + "://" + authority);
	}

	/** Lower case, without a default port or a trailing slash: {@code https://Chat.Example.com:443/} is {@code https://chat.example.com}. */
	static String normalized(String origin) {
		String o = origin.trim().toLowerCase(Locale.ROOT);
		if (o.endsWith("/")) {
			o = o.substring(0, o.length() - 1);
		}
		if (o.startsWith("http://") && o.endsWith(":80")) {
			o = o.substring(0, o.length() - 3);
		}
		else if (o.startsWith("https://") && o.endsWith(":443")) {
			o = o.substring(0, o.length() - 4);
		}
		return o;
	}

	private static String abbreviate(String s) {
		return s.length() <= 80 ? s : s.substring(0, 80) + "…";
	}
}
