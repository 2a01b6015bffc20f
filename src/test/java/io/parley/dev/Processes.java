package io.parley.dev;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Small helpers for the engines' child processes and files. */
final class Processes {

	private Processes() {
	}

	/**
	 * The live process whose pid is on the first line of {@code pidFile}, if its command line
	 * contains {@code marker}: the check guards against a pid reused by an unrelated process.
	 */
	static Optional<ProcessHandle> fromPidFile(Path pidFile, String marker) {
		if (!Files.isRegularFile(pidFile)) {
			return Optional.empty();
		}
		try (Stream<String> lines = Files.lines(pidFile)) {
			long pid = Long.parseLong(lines.findFirst().orElse("").trim());
			return ProcessHandle.of(pid)
				.filter(ProcessHandle::isAlive)
				.filter((process) -> commandLine(process).contains(marker));
		}
		catch (IOException | NumberFormatException ex) {
			return Optional.empty();
		}
	}

	/** The full command line, read from /proc so that long class paths are not cut. */
	static String commandLine(ProcessHandle process) {
		try {
			byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
			return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
		}
		catch (IOException ex) {
			return process.info().commandLine().orElse("");
		}
	}

	/** SIGTERM, then SIGKILL if the process is still there after {@code grace}. */
	static void stop(ProcessHandle process, Duration grace) {
		process.destroy();
		if (!awaitExit(process, grace)) {
			process.destroyForcibly();
			awaitExit(process, Duration.ofSeconds(10));
		}
	}

	/** SIGKILL and wait for the process to be gone. */
	static void kill(ProcessHandle process) {
		process.destroyForcibly();
		awaitExit(process, Duration.ofSeconds(10));
	}

	static boolean awaitExit(ProcessHandle process, Duration timeout) {
		try {
			process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return !process.isAlive();
		}
		catch (Exception ex) {
			return !process.isAlive();
		}
	}

	/** The last {@code count} lines of a log file, or a note that it does not exist. */
	static String tail(Path file, int count) {
		if (!Files.isRegularFile(file)) {
			return "(no " + file + ")";
		}
		try {
			List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
			return String.join(System.lineSeparator(), lines.subList(Math.max(0, lines.size() - count), lines.size()));
		}
		catch (IOException ex) {
			return "(could not read " + file + ": " + ex.getMessage() + ")";
		}
	}

	static void writePid(Path pidFile, long pid) {
		try {
			Files.writeString(pidFile, pid + System.lineSeparator());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Deletes everything inside {@code dir} except the entry named {@code keep}. */
	static void deleteContents(Path dir, String keep) {
		if (!Files.isDirectory(dir)) {
			return;
		}
		try (Stream<Path> children = Files.list(dir)) {
			for (Path child : (Iterable<Path>) children::iterator) {
				if (!child.getFileName().toString().equals(keep)) {
					deleteRecursively(child);
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not wipe " + dir, ex);
		}
	}

	static void deleteRecursively(Path path) throws IOException {
		if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
			return;
		}
		try (Stream<Path> walk = Files.walk(path)) {
			for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
				Files.deleteIfExists(p);
			}
		}
	}

	static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting for an engine", ex);
		}
	}

}
