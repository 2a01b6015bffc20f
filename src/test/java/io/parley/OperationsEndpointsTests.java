package io.parley;

import io.parley.dev.ParleyIntegrationTest;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.reactive.server.WebTestClient;

/** What an admin sees: each engine's health, the build's version, and nothing else without a role. */
@ParleyIntegrationTest
class OperationsEndpointsTests {

	@LocalServerPort
	int port;

	@Test
	void healthReportsEveryEngineUp() {
		new io.parley.support.ParleyApi(port).awaitMessagePipeline();
		client().get().uri("/actuator/health").exchange()
			.expectStatus().isOk()
			.expectBody()
			.jsonPath("$.status").isEqualTo("UP")
			.jsonPath("$.components.db.status").isEqualTo("UP")
			.jsonPath("$.components.redis.status").isEqualTo("UP")
			.jsonPath("$.components.cassandra.status").isEqualTo("UP")
			.jsonPath("$.components.kafka.status").isEqualTo("UP")
			.jsonPath("$.components.messagePipeline.status").isEqualTo("UP");
	}

	@Test
	void infoShowsTheVersion() {
		client().get().uri("/actuator/info").exchange()
			.expectStatus().isOk()
			.expectBody()
			.jsonPath("$.build.version").isEqualTo("0.1.0-SNAPSHOT")
			.jsonPath("$.app.name").isEqualTo("Parley");
	}

	@Test
	void theProbesOfTheHelmChartAnswerUpWithoutAToken() {
		java.util.Map<String, Object> container = HelmChartTests.container(HelmChartTests.render(null).one("Deployment"));
		for (String probe : java.util.List.of("startupProbe", "livenessProbe", "readinessProbe")) {
			String path = (String) HelmChartTests.at(container, probe + ".httpGet.path");
			client().get().uri(path).exchange()
				.expectStatus().isOk()
				.expectBody().jsonPath("$.status").isEqualTo("UP");
		}
	}

	@Test
	void otherActuatorEndpointsAreNotOpen() {
		client().get().uri("/actuator/env").exchange().expectStatus().is4xxClientError();
		client().get().uri("/actuator/metrics").exchange().expectStatus().is4xxClientError();
	}

	private WebTestClient client() {
		return WebTestClient.bindToServer().baseUrl("http://localhost:" + port).build();
	}
}
