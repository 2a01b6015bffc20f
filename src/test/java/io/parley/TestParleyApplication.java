package io.parley;

import java.util.LinkedHashSet;
import java.util.Set;

import io.parley.dev.LocalEngines;
import io.parley.dev.MissingPrerequisite;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringApplicationHook;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.MapPropertySource;

/**
 * Runs Parley locally against real engines: {@code ./mvnw spring-boot:test-run}. Starts
 * PostgreSQL, Redis, Kafka and Cassandra ({@link LocalEngines#forDevelopment()}: fixed ports, data
 * kept in {@code .parley-data} or {@code $PARLEY_DATA_DIR}; {@code PARLEY_WIPE=true} starts
 * afresh), then the real {@link ParleyApplication#main} with profile {@code local}.
 */
public final class TestParleyApplication {

	private TestParleyApplication() {
	}

	/**
	 * Prints where to point a browser once Parley is ready. An anonymous class, not a lambda: its
	 * event type must be readable at run time, or every event reaches it (and Spring Modulith's event
	 * multicaster then fails on the cast, ending start-up).
	 */
	static ApplicationListener<ApplicationReadyEvent> readyAnnouncer(java.io.PrintStream out) {
		return new ApplicationListener<ApplicationReadyEvent>() {

			@Override
			public void onApplicationEvent(ApplicationReadyEvent event) {
				String port = event.getApplicationContext().getEnvironment().getProperty("local.server.port");
				out.println((port != null) ? "Parley is ready: open http://localhost:" + port + "/" : "Parley is ready");
			}
		};
	}

	private static java.util.Map<String, Object> joinRunningEngines() {
		io.parley.dev.EnginePorts ports = io.parley.dev.EnginePorts.fixed();
		System.out.println("[engines] joining the engines of the first node (PARLEY_JOIN=true): nothing is started here");
		return java.util.Map.of("spring.datasource.url", "jdbc:postgresql://127.0.0.1:" + ports.postgres() + "/postgres",
				"spring.datasource.username", "postgres", "spring.datasource.password", "",
				"spring.data.redis.host", "127.0.0.1", "spring.data.redis.port", ports.redis(),
				"spring.kafka.bootstrap-servers", "127.0.0.1:" + ports.kafka(),
				"spring.cassandra.contact-points", "127.0.0.1:" + ports.cassandraNative(),
				"spring.cassandra.local-datacenter", "datacenter1");
	}

	public static void main(String[] args) {
		java.util.Map<String, Object> engineProperties;
		if (Boolean.parseBoolean(System.getenv("PARLEY_JOIN"))) {
			// A second (third…) node: use the engines the first launcher started, on their fixed ports.
			engineProperties = joinRunningEngines();
		}
		else {
			try {
				engineProperties = LocalEngines.forDevelopment().properties();
			}
			catch (MissingPrerequisite ex) {
				System.err.println(ex.getMessage());
				System.exit(1);
				return;
			}
		}
		// The hook customises the SpringApplication that ParleyApplication.main creates, so the
		// real entry point runs unchanged.
		SpringApplicationHook hook = (application) -> {
			Set<String> profiles = new LinkedHashSet<>(application.getAdditionalProfiles());
			profiles.add("local");
			application.setAdditionalProfiles(profiles.toArray(String[]::new));
			application.addInitializers((context) -> context.getEnvironment()
				.getPropertySources()
				.addFirst(new MapPropertySource("parleyLocalEngines", engineProperties)));
			application.addListeners(readyAnnouncer(System.out));
			return null;
		};
		try {
			SpringApplication.withHook(hook, () -> ParleyApplication.main(args));
		}
		catch (RuntimeException ex) {
			// Spring Boot has reported why. Kafka's threads would keep this JVM alive: exit, and let
			// the shutdown hook stop the engines.
			System.exit(1);
		}
	}

}
