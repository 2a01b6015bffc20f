package io.parley;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.datastax.oss.driver.api.core.CqlSession;
import io.parley.dev.LocalEngines;
import io.parley.support.ParleyJar;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.web.reactive.server.WebTestClient;

import tools.jackson.databind.JsonNode;

/**
 * A pod as the Helm chart describes it, without Kubernetes: the chart is rendered with values that
 * point at "external" clusters (the test engines), and the packaged jar is started the way the
 * kubelet would start the container: the Deployment's environment (secret references resolved from
 * the rendered Secret), the ConfigMap's files in a folder named by {@code SPRING_CONFIG_ADDITIONAL_LOCATION},
 * and a working directory with no {@code config/} of its own. The chart's probes must answer, the
 * production file from the ConfigMap must be the one in force, and {@code config:} values must reach
 * the application. Runs in the integration-test phase, after the jar is packaged.
 */
class HelmChartPodIT {

	static final String KEYSPACE = "parley_helm_pod_it";

	static Process parley;
	static Path log;
	static int port;
	static Map<String, Object> container;

	@BeforeAll
	static void startAPodAsTheChartDescribesIt() throws Exception {
		Map<String, Object> engines = LocalEngines.forTests().properties();
		// A values file, as an operator writes one (--set would split the replication map at its comma).
		Path values = Files.createTempFile("parley-pod-values-", ".yaml");
		Files.writeString(values, """
				postgres:
				  url: "%s"
				  user: "%s"
				redis:
				  host: "%s"
				  port: %s
				kafka:
				  bootstrapServers: "%s"
				  replicas: 1
				cassandra:
				  contactPoints: "%s"
				  datacenter: "%s"
				  keyspace: %s
				  replication: "{'class':'NetworkTopologyStrategy','%s':1}"
				secrets:
				  jwtSecret: aGVsbS1jaGFydC1wb2QtdGVzdC1zZWNyZXQtb2YtYXQtbGVhc3QtMzItYnl0ZXM=
				  postgresPassword: "%s"
				javaToolOptions: -Xmx512m
				config:
				  parley:
				    realtime:
				      max-body-code-points: 1234
				""".formatted(engines.get("spring.datasource.url"), engines.get("spring.datasource.username"),
				engines.get("spring.data.redis.host"), engines.get("spring.data.redis.port"),
				engines.get("spring.kafka.bootstrap-servers"), engines.get("spring.cassandra.contact-points"),
				engines.get("spring.cassandra.local-datacenter"), KEYSPACE, engines.get("spring.cassandra.local-datacenter"),
				engines.getOrDefault("spring.datasource.password", "")));
		HelmChartTests.Manifests manifests = HelmChartTests.render(template -> template.withValuesFile(values));
		container = HelmChartTests.container(manifests.one("Deployment"));
		Map<String, Object> secret = manifests.one("Secret");
		Map<String, Object> configMap = manifests.one("ConfigMap");

		Path pod = Files.createTempDirectory("parley-pod-");
		Path mountPath = pod.resolve("etc-parley");
		Files.createDirectories(mountPath);
		((Map<?, ?>) configMap.get("data")).forEach((file, content) -> write(mountPath.resolve(file.toString()), content.toString()));
		Path workingDirectory = Files.createDirectories(pod.resolve("workspace"));
		log = pod.resolve("parley.log");
		port = ParleyJar.freePort();

		ProcessBuilder builder = new ProcessBuilder(ParleyJar.javaExecutable(), "-jar", ParleyJar.built().toAbsolutePath().toString())
			.directory(workingDirectory.toFile())
			.redirectErrorStream(true)
			.redirectOutput(log.toFile());
		Map<String, String> env = builder.environment();
		for (Object item : (List<?>) container.get("env")) {
			Map<?, ?> entry = (Map<?, ?>) item;
			String name = entry.get("name").toString();
			Object reference = HelmChartTests.at(entry, "valueFrom.secretKeyRef");
			if (reference != null) {
				Map<?, ?> ref = (Map<?, ?>) reference;
				assertThat(ref.get("name")).isEqualTo(HelmChartTests.at(secret, "metadata.name"));
				Object value = HelmChartTests.at(secret, "data." + ref.get("key"));
				if (value == null) {
					assertThat(ref.get("optional")).as("secret key %s is missing and not optional", ref.get("key")).isEqualTo(true);
					continue;
				}
				env.put(name, new String(Base64.getDecoder().decode(value.toString()), StandardCharsets.UTF_8));
			}
			else {
				env.put(name, String.valueOf(entry.get("value")));
			}
		}
		assertThat(env.get("SPRING_CONFIG_ADDITIONAL_LOCATION")).isEqualTo("optional:file:/etc/parley/");
		env.put("SPRING_CONFIG_ADDITIONAL_LOCATION", "optional:file:" + mountPath + "/"); // where the volume is mounted here
		env.put("PORT", Integer.toString(port)); // a pod has its own network namespace; this machine does not
		parley = builder.start();
	}

	@AfterAll
	static void stop() throws Exception {
		if (parley != null) {
			parley.destroy();
			parley.waitFor();
		}
	}

	@Test
	void theChartsProbesAnswerAndTheProductionFileFromTheConfigMapIsInForce() throws IOException {
		WebTestClient http = WebTestClient.bindToServer().baseUrl("http://localhost:" + port).build();
		for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
			String path = (String) HelmChartTests.at(container, probe + ".httpGet.path");
			await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().untilAsserted(() -> {
				assertThat(parley.isAlive()).as("Parley process is running; its log:%n%s", Files.readString(log)).isTrue();
				http.get().uri(path).exchange().expectStatus().isOk().expectBody().jsonPath("$.status").isEqualTo("UP");
			});
		}
		http.get().uri("/actuator/health").exchange().expectStatus().isOk().expectBody()
			.jsonPath("$.components.db.status").isEqualTo("UP")
			.jsonPath("$.components.cassandra.status").isEqualTo("UP")
			.jsonPath("$.components.kafka.status").isEqualTo("UP")
			.jsonPath("$.components.redis.status").isEqualTo("UP");

		// Only the production file maps PARLEY_CASSANDRA_REPLICATION: the keyspace shows it was loaded.
		Map<String, Object> engines = LocalEngines.forTests().properties();
		String[] contact = engines.get("spring.cassandra.contact-points").toString().split(":");
		try (CqlSession cql = CqlSession.builder().addContactPoint(new InetSocketAddress(contact[0], Integer.parseInt(contact[1])))
			.withLocalDatacenter(engines.get("spring.cassandra.local-datacenter").toString()).build()) {
			Map<String, String> replication = cql.execute("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?", KEYSPACE)
				.one().getMap("replication", String.class, String.class);
			assertThat(replication.get("class")).endsWith("NetworkTopologyStrategy");
		}

		// A `config:` value of the chart reaches the application (SPRING_APPLICATION_JSON).
		http.post().uri("/api/auth/register").bodyValue(Map.of("username", "pod-user", "password", "a long password"))
			.exchange().expectStatus().isCreated();
		JsonNode login = http.post().uri("/api/auth/login").bodyValue(Map.of("username", "pod-user", "password", "a long password"))
			.exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();
		try (var client = io.parley.support.ChatClient.connect(port, login.get("accessToken").asString())) {
			// The welcome frame was taken on connect; its limits are asserted through a too-long body.
			client.sendFrame(Map.of("type", "send", "conversationId", java.util.UUID.randomUUID().toString(), "clientMessageId", "c",
					"body", "x".repeat(1235)));
			assertThat(client.expect("error").get("code").asString()).isEqualTo("message_too_long");
		}
		// The production profile logs JSON lines, so the quotes around the profile name are escaped.
		assertThat(Files.readString(log)).containsPattern("The following 1 profile is active: \\\\?\"production")
			.containsPattern("This node issues message ids as node \\d+");
	}

	private static void write(Path file, String content) {
		try {
			Files.writeString(file, content);
		}
		catch (IOException e) {
			throw new java.io.UncheckedIOException(e);
		}
	}
}
