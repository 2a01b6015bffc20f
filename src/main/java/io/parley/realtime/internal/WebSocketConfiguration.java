package io.parley.realtime.internal;

import java.util.Map;

import io.parley.realtime.RealtimeSettings;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import org.springframework.web.reactive.socket.server.WebSocketService;
import org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService;
import org.springframework.web.reactive.socket.server.upgrade.ReactorNettyRequestUpgradeStrategy;

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
		HandshakeWebSocketService service = new HandshakeWebSocketService(
				new ReactorNettyRequestUpgradeStrategy(() -> WebsocketServerSpec.builder().maxFramePayloadLength(max)));
		// The admission ticket of the handshake follows the client into its session (see AdmissionFilter).
		service.setSessionAttributePredicate(AdmissionFilter.TICKET::equals);
		return service;
	}
}
