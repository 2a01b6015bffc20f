package io.parley.support;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The packaged jar, run as its own process the way an operator runs it: profile {@code production},
 * pointed at "external" clusters (the test engines) through environment variables alone. Used by
 * {@code ProductionJarIT} and by the benchmarks, which need the server's memory and CPU apart from
 * the load generator's. Only exists after {@code package}, so its users run in the integration-test
 * phase.
 */
public final class ParleyJar {

	/** A base64 secret of at least 32 bytes, for a jar started by a test. */
	public static final String JWT_SECRET = "cHJvZHVjdGlvbi1qYXItdGVzdC1zZWNyZXQtb2YtYXQtbGVhc3QtMzItYnl0ZXM=";

	private ParleyJar() {
	}

	public static Path built() throws IOException {
		try (Stream<Path> files = Files.list(Path.of("target"))) {
			return files.filter(p -> p.getFileName().toString().matches("parley-.*\\.jar")).findFirst()
				.orElseThrow(() -> new IllegalStateException("No target/parley-*.jar: run through `./mvnw verify`"));
		}
	}

	/** The production profile's environment for the given engines ({@code LocalEngines#properties()}). */
	public static Map<String, String> environment(Map<String, Object> engines, int port, String keyspace) {
		Map<String, String> env = new LinkedHashMap<>();
		env.put("SPRING_PROFILES_ACTIVE", "production");
		env.put("PORT", Integer.toString(port));
		env.put("PARLEY_MQTT_PORT", "0");
		env.put("PARLEY_JWT_SECRET", JWT_SECRET);
		env.put("PARLEY_POSTGRES_URL", engines.get("spring.datasource.url").toString());
		env.put("PARLEY_POSTGRES_USER", engines.get("spring.datasource.username").toString());
		env.put("PARLEY_POSTGRES_PASSWORD", String.valueOf(engines.getOrDefault("spring.datasource.password", "")));
		env.put("PARLEY_REDIS_HOST", engines.get("spring.data.redis.host").toString());
		env.put("PARLEY_REDIS_PORT", engines.get("spring.data.redis.port").toString());
		env.put("PARLEY_KAFKA_BOOTSTRAP_SERVERS", engines.get("spring.kafka.bootstrap-servers").toString());
		env.put("PARLEY_CASSANDRA_CONTACT_POINTS", engines.get("spring.cassandra.contact-points").toString());
		env.put("PARLEY_CASSANDRA_DATACENTER", engines.get("spring.cassandra.local-datacenter").toString());
		env.put("PARLEY_CASSANDRA_KEYSPACE", keyspace);
		env.put("PARLEY_CASSANDRA_REPLICATION", "{'class':'SimpleStrategy','replication_factor':1}");
		env.put("PARLEY_KAFKA_REPLICAS", "1");
		return env;
	}

	/**
	 * Starts the jar from the project folder (so {@code ./config/application-production.yml} applies),
	 * its output to {@code log}. {@code jvmOptions} go before {@code -jar}, {@code arguments} after it
	 * ({@code --name=value} overrides).
	 */
	public static Process start(Map<String, String> environment, List<String> jvmOptions, List<String> arguments, Path log)
			throws IOException {
		List<String> command = new ArrayList<>();
		command.add(javaExecutable());
		command.addAll(jvmOptions);
		command.add("-jar");
		command.add(built().toString());
		command.addAll(arguments);
		ProcessBuilder builder = new ProcessBuilder(command).directory(new File("."))
			.redirectErrorStream(true)
			.redirectOutput(log.toFile());
		builder.environment().putAll(environment);
		return builder.start();
	}

	public static String javaExecutable() {
		return Path.of(System.getProperty("java.home"), "bin", "java").toString();
	}

	public static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}
}
