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

	public static void main(String[] args) {
		LocalEngines engines;
		try {
			engines = LocalEngines.forDevelopment();
		}
		catch (MissingPrerequisite ex) {
			System.err.println(ex.getMessage());
			System.exit(1);
			return;
		}
		// The hook customises the SpringApplication that ParleyApplication.main creates, so the
		// real entry point runs unchanged.
		SpringApplicationHook hook = (application) -> {
			Set<String> profiles = new LinkedHashSet<>(application.getAdditionalProfiles());
			profiles.add("local");
			application.setAdditionalProfiles(profiles.toArray(String[]::new));
			application.addInitializers((context) -> context.getEnvironment()
				.getPropertySources()
				.addFirst(new MapPropertySource("parleyLocalEngines", engines.properties())));
			application.addListeners((ApplicationListener<ApplicationReadyEvent>) (event) -> {
				String port = event.getApplicationContext().getEnvironment().getProperty("local.server.port");
				System.out.println((port != null) ? "Parley is ready: open http://localhost:" + port + "/"
						: "Parley is ready");
			});
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
