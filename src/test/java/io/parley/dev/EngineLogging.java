package io.parley.dev;

import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/**
 * The in-JVM Kafka broker and zonky log a lot at INFO. Their loggers (only broker-side packages,
 * never the clients the application uses) go to WARN, both right now through Logback and, as
 * {@code logging.level.*} system properties, for every Spring Boot logging initialisation that
 * follows. A level given with {@code -Dlogging.level.<name>=...} wins.
 */
final class EngineLogging {

	private static final List<String> ENGINE_LOGGERS = List.of("kafka", "state.change.logger",
			"org.apache.kafka.server", "org.apache.kafka.raft", "org.apache.kafka.controller",
			"org.apache.kafka.metadata", "org.apache.kafka.image", "org.apache.kafka.storage",
			"org.apache.kafka.coordinator", "org.apache.kafka.queue", "org.apache.kafka.snapshot", "io.zonky");

	private EngineLogging() {
	}

	static void quietEngines() {
		for (String name : ENGINE_LOGGERS) {
			String key = "logging.level." + name;
			String level = System.getProperty(key);
			if (level == null) {
				level = "WARN";
				System.setProperty(key, level);
			}
			setLevel(name, level);
		}
	}

	/**
	 * Before Spring Boot configures logging, Logback's default is DEBUG for everything; the
	 * development launcher calls this so that starting the engines does not flood the console.
	 */
	static void infoUntilSpringConfiguresLogging() {
		setLevel(org.slf4j.Logger.ROOT_LOGGER_NAME, "INFO");
	}

	/**
	 * Raises one logger to WARN until the returned action runs. The broker logs its whole
	 * configuration (hundreds of lines, several times) through the logger that clients share.
	 */
	static Runnable muteWhile(String name) {
		if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
			Logger logger = context.getLogger(name);
			Level previous = logger.getLevel();
			logger.setLevel(Level.WARN);
			return () -> logger.setLevel(previous);
		}
		return () -> {
		};
	}

	private static void setLevel(String name, String level) {
		if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
			Logger logger = context.getLogger(name);
			logger.setLevel(Level.toLevel(level, Level.WARN));
		}
	}

}
