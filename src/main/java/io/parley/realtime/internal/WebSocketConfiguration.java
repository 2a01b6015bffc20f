package io.parley.realtime.internal;

import java.util.List;
import java.util.Map;

import io.parley.realtime.RealtimeSettings;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.reactive.socket.server.WebSocketService;
import org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService;
import org.springframework.web.reactive.socket.server.upgrade.ReactorNettyRequestUpgradeStrategy;

import reactor.core.publisher.Mono;
import reactor.netty.http.server.WebsocketServerSpec;

/** Maps {@code /ws} and sets the transport's frame limit above the application's. */
@Configuration(proxyBeanMethods = false)
class WebSocketConfiguration implements WebFluxConfigurer {

	private final RealtimeSettings settings;

	WebSocketConfiguration(RealtimeSettings settings) {
		this.settings = settings;
	}

	@Bean
	HandlerMapping webSocketMapping(ChatSocketHandler handler) {
		return new SimpleUrlHandlerMapping(Map.of("/ws", handler), -1);
	}

	@Override
	public WebSocketService getWebSocketService() {
		int max = (int) settings.transportMaxFrameBytes().toBytes();
		HandshakeWebSocketService handshakes = new HandshakeWebSocketService(
				new ReactorNettyRequestUpgradeStrategy(() -> WebsocketServerSpec.builder().maxFramePayloadLength(max)));
		// The admission ticket of the handshake (an exchange attribute, see AdmissionFilter) follows the
		// client into its WebSocket session.
		return (exchange, handler) -> handshakes.handleRequest(exchange, new WebSocketHandler() {

			@Override
			public List<String> getSubProtocols() {
				return handler.getSubProtocols();
			}

			@Override
			public Mono<Void> handle(WebSocketSession session) {
				Object ticket = exchange.getAttribute(AdmissionFilter.TICKET);
				if (ticket != null) {
					session.getAttributes().put(AdmissionFilter.TICKET, ticket);
				}
				return handler.handle(session);
			}
		});
	}
}
