package io.parley;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Helm chart in {@code helm/parley}, linted and rendered by the real Helm (helm-java bundles it),
 * no cluster needed: an operator's values reach the manifests (replicas, external cluster addresses,
 * their own Secret, autoscaling, disruption budget, resources), the probes point at Actuator's
 * availability endpoints, and the production configuration inside the chart is the one in
 * {@code config/}.
 */
class HelmChartTests {

	static final Path CHART = Path.of("helm", "parley");

	@TempDir
	Path temp;

	@Test
	void theChartLintsCleanly() {
		LintResult lint = new Helm(CHART).lint().strict().call();
		assertThat(lint.isFailed()).as("helm lint --strict: %s", lint.getMessages()).isFalse();
	}

	@Test
	void theDefaultsRenderADeploymentWithProbesOnActuatorAndABudget() {
		Manifests manifests = render(null);

		Map<String, Object> deployment = manifests.one("Deployment");
		assertThat(at(deployment, "spec.replicas")).isEqualTo(3);
		Map<String, Object> container = container(deployment);
		assertThat(at(container, "readinessProbe.httpGet.path")).isEqualTo("/actuator/health/readiness");
		assertThat(at(container, "livenessProbe.httpGet.path")).isEqualTo("/actuator/health/liveness");
		assertThat(at(container, "startupProbe.httpGet.path")).isEqualTo("/actuator/health/liveness");
		assertThat(at(container, "readinessProbe.httpGet.port")).isEqualTo("http");
		assertThat(at(container, "ports.0.containerPort")).isEqualTo(8080);
		assertThat(at(container, "resources.requests.cpu")).isEqualTo("500m");
		assertThat(at(container, "resources.limits.memory")).isEqualTo("1Gi");
		assertThat(env(container, "SPRING_PROFILES_ACTIVE")).isEqualTo("production");
		assertThat(envNames(container)).as("node ids are leased in Redis: no ordinal, no fixed id").doesNotContain("PARLEY_NODE_ID");
		assertThat(secretRef(container, "PARLEY_JWT_SECRET")).containsEntry("name", "prod-parley").containsEntry("key", "jwt-secret");
		assertThat(secretRef(container, "PARLEY_POSTGRES_PASSWORD")).containsEntry("key", "postgres-password");

		assertThat(manifests.one("Secret").get("metadata")).asString().contains("prod-parley");
		assertThat(at(manifests.one("PodDisruptionBudget"), "spec.maxUnavailable")).isEqualTo(1);
		assertThat(at(manifests.one("PodDisruptionBudget"), "spec.selector.matchLabels"))
			.isEqualTo(at(deployment, "spec.selector.matchLabels"));
		assertThat(manifests.all("HorizontalPodAutoscaler")).as("autoscaling is opt-in").isEmpty();
		assertThat(at(manifests.one("Service"), "spec.ports.0.targetPort")).isEqualTo("http");
	}

	@Test
	void anOperatorsValuesForExternalClustersReachTheManifests() throws IOException {
		Path values = temp.resolve("production.yaml");
		Files.writeString(values, """
				replicaCount: 5
				postgres:
				  url: jdbc:postgresql://pg.prod.internal:5432/parley
				redis:
				  host: redis.prod.internal
				kafka:
				  bootstrapServers: kafka-1.prod.internal:9092,kafka-2.prod.internal:9092
				cassandra:
				  contactPoints: cass-1.prod.internal:9042
				  datacenter: eu-west-1
				secrets:
				  existingSecret: parley-credentials
				autoscaling:
				  enabled: true
				  minReplicas: 4
				  maxReplicas: 20
				  targetCPUUtilizationPercentage: 60
				podDisruptionBudget:
				  minAvailable: 2
				resources:
				  requests: {cpu: "2", memory: 3Gi}
				  limits: {memory: 3Gi}
				config:
				  parley:
				    realtime:
				      max-body-code-points: 2000
				""");
		Manifests manifests = render(template -> template.withValuesFile(values));

		Map<String, Object> deployment = manifests.one("Deployment");
		assertThat(at(deployment, "spec.replicas")).as("the autoscaler owns the count").isNull();
		Map<String, Object> container = container(deployment);
		assertThat(env(container, "PARLEY_POSTGRES_URL")).isEqualTo("jdbc:postgresql://pg.prod.internal:5432/parley");
		assertThat(env(container, "PARLEY_REDIS_HOST")).isEqualTo("redis.prod.internal");
		assertThat(env(container, "PARLEY_KAFKA_BOOTSTRAP_SERVERS")).isEqualTo("kafka-1.prod.internal:9092,kafka-2.prod.internal:9092");
		assertThat(env(container, "PARLEY_CASSANDRA_CONTACT_POINTS")).isEqualTo("cass-1.prod.internal:9042");
		assertThat(env(container, "PARLEY_CASSANDRA_DATACENTER")).isEqualTo("eu-west-1");
		JsonNode overrides = JsonMapper.builder().build().readTree(env(container, "SPRING_APPLICATION_JSON"));
		assertThat(overrides.at("/parley/realtime/max-body-code-points").asInt()).isEqualTo(2000);
		for (String secretEnv : List.of("PARLEY_JWT_SECRET", "PARLEY_POSTGRES_PASSWORD", "PARLEY_REDIS_PASSWORD", "PARLEY_CASSANDRA_PASSWORD")) {
			assertThat(secretRef(container, secretEnv)).containsEntry("name", "parley-credentials");
		}
		assertThat(manifests.all("Secret")).as("the operator's own Secret is used, none is created").isEmpty();
		assertThat(at(container, "resources.requests.cpu")).isEqualTo("2");

		Map<String, Object> hpa = manifests.one("HorizontalPodAutoscaler");
		assertThat(at(hpa, "spec.scaleTargetRef.name")).isEqualTo(at(deployment, "metadata.name"));
		assertThat(at(hpa, "spec.minReplicas")).isEqualTo(4);
		assertThat(at(hpa, "spec.maxReplicas")).isEqualTo(20);
		assertThat(at(hpa, "spec.metrics.0.resource.target.averageUtilization")).isEqualTo(60);
		Map<String, Object> pdb = manifests.one("PodDisruptionBudget");
		assertThat(at(pdb, "spec.minAvailable")).isEqualTo(2);
		assertThat(at(pdb, "spec.maxUnavailable")).isNull();
	}

	@Test
	void fixedReplicasAndTheChartsOwnSecretFromValues() {
		Manifests manifests = render(template -> template.set("replicaCount", 2).set("secrets.jwtSecret", "c2VjcmV0")
			.set("secrets.postgresPassword", "pg-pass"));
		assertThat(at(manifests.one("Deployment"), "spec.replicas")).isEqualTo(2);
		Map<String, Object> secret = manifests.one("Secret");
		assertThat(decoded(secret, "jwt-secret")).isEqualTo("c2VjcmV0");
		assertThat(decoded(secret, "postgres-password")).isEqualTo("pg-pass");
		assertThat(((Map<?, ?>) at(secret, "data")).keySet().stream().map(Object::toString).toList()).as("unset optional passwords are left out, so Parley's defaults apply")
			.doesNotContain("redis-password", "cassandra-password");
		Map<String, Object> withRedis = render(template -> template.set("secrets.redisPassword", "r-pass")).one("Secret");
		assertThat(decoded(withRedis, "redis-password")).isEqualTo("r-pass");
	}

	@Test
	void anIngressIsOptInAndRoutesEverythingToTheService() {
		assertThat(render(null).all("Ingress")).isEmpty();
		Manifests manifests = render(template -> template.set("ingress.enabled", true).set("ingress.hosts[0]", "chat.example.com")
			.set("ingress.className", "nginx"));
		Map<String, Object> ingress = manifests.one("Ingress");
		assertThat(at(ingress, "spec.ingressClassName")).isEqualTo("nginx");
		assertThat(at(ingress, "spec.rules.0.host")).isEqualTo("chat.example.com");
		assertThat(at(ingress, "spec.rules.0.http.paths.0.backend.service.name")).isEqualTo(at(manifests.one("Service"), "metadata.name"));
		assertThat(at(ingress, "metadata.annotations")).asString().contains("proxy-read-timeout").contains("proxy-buffering")
			.contains("affinity");
	}

	@Test
	void aPreStopSleepIsRenderedOnlyWhenAsked() {
		assertThat(at(container(render(null).one("Deployment")), "lifecycle")).isNull();
		assertThat(at(container(render(template -> template.set("preStopSleepSeconds", 5)).one("Deployment")),
				"lifecycle.preStop.sleep.seconds")).isEqualTo(5);
	}

	@Test
	void theChartShipsConfigApplicationProductionYmlUnchanged() throws IOException {
		String shipped = Files.readString(Path.of("config", "application-production.yml"));
		assertThat(Files.readString(CHART.resolve("files/application-production.yml")))
			.as("helm/parley/files/application-production.yml must be a copy of config/application-production.yml").isEqualTo(shipped);
		Map<String, Object> configMap = render(null).one("ConfigMap");
		assertThat(((Map<?, ?>) configMap.get("data")).get("application-production.yml")).isEqualTo(shipped.stripTrailing() + "\n");
		Map<String, Object> container = container(render(null).one("Deployment"));
		assertThat(env(container, "SPRING_CONFIG_ADDITIONAL_LOCATION")).isEqualTo("optional:file:/etc/parley/");
		assertThat(at(container, "volumeMounts.0.mountPath")).isEqualTo("/etc/parley");
	}

	/** The chart rendered as release "prod" (helm template), one map per manifest. */
	static Manifests render(Consumer<TemplateCommand> options) {
		TemplateCommand template = new Helm(CHART).template().withName("prod");
		if (options != null) {
			options.accept(template);
		}
		List<Map<String, Object>> documents = new ArrayList<>();
		for (Object document : new Yaml().loadAll(template.call())) {
			if (document != null) {
				@SuppressWarnings("unchecked")
				Map<String, Object> manifest = (Map<String, Object>) document;
				documents.add(manifest);
			}
		}
		return new Manifests(documents);
	}

	record Manifests(List<Map<String, Object>> documents) {

		List<Map<String, Object>> all(String kind) {
			return documents.stream().filter(d -> kind.equals(d.get("kind"))).toList();
		}

		Map<String, Object> one(String kind) {
			List<Map<String, Object>> found = all(kind);
			assertThat(found).as("manifests of kind %s", kind).hasSize(1);
			return found.get(0);
		}
	}

	/** A value at a dotted path; numeric parts index lists. Null when absent. */
	static Object at(Object node, String path) {
		Object current = node;
		for (String part : path.split("\\.")) {
			if (current instanceof Map<?, ?> map) {
				current = map.get(part);
			}
			else if (current instanceof List<?> list && part.matches("\\d+")) {
				current = Integer.parseInt(part) < list.size() ? list.get(Integer.parseInt(part)) : null;
			}
			else {
				return null;
			}
		}
		return current;
	}

	@SuppressWarnings("unchecked")
	static Map<String, Object> container(Map<String, Object> deployment) {
		return (Map<String, Object>) at(deployment, "spec.template.spec.containers.0");
	}

	@SuppressWarnings("unchecked")
	private static Optional<Map<String, Object>> envEntry(Map<String, Object> container, String name) {
		return ((List<Map<String, Object>>) container.get("env")).stream().filter(e -> name.equals(e.get("name"))).findFirst();
	}

	private static String env(Map<String, Object> container, String name) {
		return (String) envEntry(container, name).orElseThrow(() -> new AssertionError("no env " + name)).get("value");
	}

	@SuppressWarnings("unchecked")
	private static List<String> envNames(Map<String, Object> container) {
		return ((List<Map<String, Object>>) container.get("env")).stream().map(e -> (String) e.get("name")).toList();
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> secretRef(Map<String, Object> container, String name) {
		return (Map<String, Object>) at(envEntry(container, name).orElseThrow(), "valueFrom.secretKeyRef");
	}

	private static String decoded(Map<String, Object> secret, String key) {
		return new String(java.util.Base64.getDecoder().decode((String) at(secret, "data." + key)), StandardCharsets.UTF_8);
	}
}
