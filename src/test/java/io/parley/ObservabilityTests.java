package io.parley;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.AliceAndBobInAGroup;
import io.parley.support.ChatClient;
import io.parley.support.Prometheus;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;

import tools.jackson.databind.JsonNode;

/**
 * What an operator sees while Alice and Bob chat: the gateway's Prometheus metrics move when the
 * thing they count happens, the scrape is not public, and every request has a correlation id.
 * (Refusals, slow-consumer drops and closes are shown moving in OverloadTests.)
 */
@ParleyIntegrationTest
class ObservabilityTests extends AliceAndBobInAGroup {

	@Autowired
	ApplicationContext node;

	@Test
	void prometheusShowsTheGatewayAtWork() {
		api.http().get().uri("/actuator/prometheus").exchange().expectStatus().isUnauthorized();
		Prometheus before = Prometheus.scrape(node);

		try (ChatClient aliceClient = api.connect(alice); ChatClient bobClient = api.connect(bob)) {
			aliceClient.typing("start", group);
			aliceClient.send(group, "measured");
			aliceClient.expect("ack");
			aliceClient.expect("message");
			JsonNode frame;
			while (!(frame = bobClient.next()).get("type").asString().equals("message")) {
				assertThat(frame.get("type").asString()).isEqualTo("typing");
			}

			await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
				Prometheus after = Prometheus.scrape(node);
				assertThat(after.value("parley_connections", "transport", "websocket")).as(after.toString()).isGreaterThanOrEqualTo(2);
				assertThat(after.value("parley_messages_accepted_total", "kind", "message"))
					.isGreaterThanOrEqualTo(before.value("parley_messages_accepted_total", "kind", "message") + 1);
				assertThat(after.value("parley_messages_delivered_total", "transport", "websocket"))
					.isGreaterThanOrEqualTo(before.value("parley_messages_delivered_total", "transport", "websocket") + 2);
				assertThat(after.value("parley_delivery_latency_seconds_count", "transport", "websocket"))
					.isGreaterThanOrEqualTo(before.value("parley_delivery_latency_seconds_count", "transport", "websocket") + 2);
				assertThat(after.has("parley_delivery_latency_seconds_bucket")).as("latency histogram buckets").isTrue();
				assertThat(after.value("parley_fanout_size_connections_count"))
					.isGreaterThanOrEqualTo(before.value("parley_fanout_size_connections_count") + 1);
				assertThat(after.value("parley_typing_frames_total", "outcome", "relayed"))
					.isGreaterThanOrEqualTo(before.value("parley_typing_frames_total", "outcome", "relayed") + 1);
				assertThat(after.has("parley_outbound_queued")).isTrue();
				assertThat(after.has("parley_handshakes_active")).isTrue();
				// Kafka consumer lag, from the Kafka clients' own metrics (Spring Boot binds them to Micrometer).
				assertThat(after.has("kafka_consumer_fetch_manager_records_lag_max")).as("Kafka consumer lag").isTrue();
			});
		}
	}

	@Test
	void everyRequestCarriesACorrelationId() {
		api.http().get().uri("/actuator/health").header("X-Request-Id", "trace-me-42").exchange()
			.expectHeader().valueEquals("X-Request-Id", "trace-me-42");
		api.http().get().uri("/actuator/health").exchange()
			.expectHeader().valueMatches("X-Request-Id", "[0-9a-f-]{36}");
		// An id that is no sane token (spaces, too long) is replaced, never echoed.
		api.http().get().uri("/actuator/health").header("X-Request-Id", "not an id; drop table").exchange()
			.expectHeader().valueMatches("X-Request-Id", "[0-9a-f-]{36}");
		// Refusals carry it too (the header is set before security runs).
		api.http().get().uri("/api/me/unread").header("X-Request-Id", "refused-1").exchange()
			.expectStatus().isUnauthorized()
			.expectHeader().valueEquals("X-Request-Id", "refused-1");
	}
}
