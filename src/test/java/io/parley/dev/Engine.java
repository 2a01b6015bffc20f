package io.parley.dev;

import java.util.List;
import java.util.Map;

/** One running engine, as {@link LocalEngines} sees it. */
interface Engine {

	/** Short lower-case name used in the console lines, e.g. {@code cassandra}. */
	String name();

	/** The port clients use, on 127.0.0.1. */
	int port();

	/** host:port that clients use. */
	default String address() {
		return "127.0.0.1:" + port();
	}

	/** The Spring properties that point the application at this engine. */
	Map<String, String> properties();

	/**
	 * Processes that run outside this JVM and would outlive it if it were killed, with the signal
	 * that stops each one cleanly; {@link OrphanWatchdog} sends it when this JVM dies.
	 */
	List<Child> children();

	/** Stops the engine; must not throw. */
	void stop();

	/** A child process of an engine and the signal (as {@code kill -NAME}) that stops it. */
	record Child(long pid, String signal) {
	}

}
