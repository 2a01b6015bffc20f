package io.parley.realtime.internal;

import java.util.Set;

import io.micrometer.observation.ObservationPredicate;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;

/**
 * No {@code http.server.requests} observation for the WebSocket and SSE endpoints. Such a request
 * lasts as long as its connection, so its observation would be a long task held open per connection
 * (with its context, key values and timer sample: about a kilobyte each, found by the idle
 * benchmark's heap histogram), and its duration says nothing. {@link GatewayMetrics} counts those
 * sessions instead. (Spring Security's per-request observations are off for the same reason:
 * {@code management.observations.enable.spring.security=false} in application.yml.)
 */
@Configuration(proxyBeanMethods = false)
class StreamingObservations {

	private static final Set<String> STREAMS = Set.of("/ws", "/sse");

	@Bean
	ObservationPredicate noRequestObservationForStreams() {
		return (name, context) -> !(context instanceof ServerRequestObservationContext request
				&& STREAMS.contains(request.getCarrier().getPath().pathWithinApplication().value()));
	}
}
