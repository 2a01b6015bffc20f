package io.parley.dev;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Stops the engines' child processes (Postgres, Redis, Cassandra) when this JVM dies without
 * running its shutdown hooks, e.g. after {@code kill -9}. Java cannot make a child die with its
 * parent, so a tiny shell waits on a pipe from this JVM: the read returns only when the pipe's
 * last writer, this JVM, is gone, and the shell then signals the children. It uses no CPU while
 * waiting. On a normal stop the watchdog is ended first and does nothing.
 */
final class OrphanWatchdog {

	private final Process shell;

	private OrphanWatchdog(Process shell) {
		this.shell = shell;
	}

	/** Returns {@code null} where there is no POSIX shell; the pid files still cover that case. */
	static OrphanWatchdog watch(List<Engine.Child> children) {
		if (children.isEmpty() || !Files.isExecutable(Path.of("/bin/sh"))) {
			return null;
		}
		String kills = children.stream()
			.map((child) -> "kill -" + child.signal() + " " + child.pid() + " 2>/dev/null")
			.collect(Collectors.joining("; "));
		try {
			// Standard input stays a pipe from this JVM; the field keeps it from being collected and closed.
			Process shell = new ProcessBuilder("/bin/sh", "-c", "read _ignored; " + kills).redirectOutput(Redirect.DISCARD)
				.redirectError(Redirect.DISCARD)
				.start();
			return new OrphanWatchdog(shell);
		}
		catch (IOException ex) {
			System.err.println("[engines] no orphan watchdog (" + ex.getMessage() + "); pid files will clean up instead");
			return null;
		}
	}

	/** Ends the watchdog without letting it signal anything. */
	void cancel() {
		// SIGTERM ends the shell while it is still blocked in read.
		Processes.stop(this.shell.toHandle(), Duration.ofSeconds(5));
	}

}
