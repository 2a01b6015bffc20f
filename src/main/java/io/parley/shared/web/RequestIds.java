package io.parley.shared.web;

import java.util.UUID;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.core.Ordered;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import reactor.core.publisher.Mono;

/**
 * A correlation id for every HTTP request (WebSocket handshakes included): the caller's
 * {@code X-Request-Id} when it is a sane token, a new one otherwise. It is echoed as the
 * {@code X-Request-Id} response header, kept as the exchange attribute {@link #ATTRIBUTE} and the
 * Reactor context key {@link #MDC_KEY}, and put in the logging context ({@code requestId}) for the
 * work that runs while the request is being set up; a request that fails with a server error is
 * logged with it.
 */
@Component
class RequestIds implements WebFilter, Ordered {

	static final String HEADER = "X-Request-Id";
	static final String MDC_KEY = "requestId";
	static final String ATTRIBUTE = RequestIds.class.getName();

	private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
	private static final Logger log = LoggerFactory.getLogger(RequestIds.class);

	/** First of all filters, so even a refused handshake carries its id. */
	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		ServerHttpRequest request = exchange.getRequest();
		String offered = request.getHeaders().getFirst(HEADER);
		String id = offered != null && SANE.matcher(offered).matches() ? offered : UUID.randomUUID().toString();
		exchange.getAttributes().put(ATTRIBUTE, id);
		exchange.getResponse().getHeaders().set(HEADER, id);
		Mono<Void> handled;
		try (MDC.MDCCloseable logContext = MDC.putCloseable(MDC_KEY, id)) {
			handled = chain.filter(exchange);
		}
		return handled.doOnError(e -> {
			try (MDC.MDCCloseable logContext = MDC.putCloseable(MDC_KEY, id)) {
				log.warn("{} {} failed", request.getMethod(), request.getPath().value(), e);
			}
		}).contextWrite(context -> context.put(MDC_KEY, id));
	}
}
