package io.parley.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server under measurement in a process of its own, so that what it holds is not mixed with the
 * load generator's: resident memory from {@code /proc/<pid>/status}, live heap after a full
 * collection through {@code jcmd}, CPU time from {@code /proc/<pid>/stat}, open files from
 * {@code /proc/<pid>/fd}. Linux only, like the machine the figures are published for.
 */
final class MeasuredProcess implements AutoCloseable {

	private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");
	/** Clock ticks per second of {@code /proc/<pid>/stat} (USER_HZ, 100 on Linux on x86 and arm). */
	private static final double TICKS_PER_SECOND = 100.0;

	private final String name;
	private final Process process;
	private final Path log;

	MeasuredProcess(String name, Process process, Path log) {
		this.name = name;
		this.process = process;
		this.log = log;
	}

	String name() {
		return name;
	}

	long pid() {
		return process.pid();
	}

	boolean isAlive() {
		return process.isAlive();
	}

	Path log() {
		return log;
	}

	/** Resident set size now, in KiB. */
	long residentKiB() {
		return statusField("VmRSS");
	}

	/** Forces a full collection, then reads the heap in use, in KiB. */
	long liveHeapKiB() {
		jcmd("GC.run");
		Matcher used = HEAP_USED.matcher(jcmd("GC.heap_info"));
		if (!used.find()) {
			throw new IllegalStateException("jcmd GC.heap_info gave no heap figure for " + name);
		}
		return Long.parseLong(used.group(1));
	}

	/** The classes with the most live bytes after a full collection ({@code jcmd GC.class_histogram}), first {@code lines}. */
	String histogram(int lines) {
		return jcmd("GC.class_histogram").lines().limit(lines).collect(java.util.stream.Collectors.joining("\n")) + "\n";
	}

	/** User plus system CPU time used so far, in seconds. */
	double cpuSeconds() {
		try {
			String stat = Files.readString(Path.of("/proc", Long.toString(pid()), "stat"));
			// Fields after the command name (which is in parentheses and may hold spaces).
			String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
			return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
		}
		catch (IOException e) {
			throw new IllegalStateException(e);
		}
	}

	long openFiles() {
		String[] fds = Path.of("/proc", Long.toString(pid()), "fd").toFile().list();
		return fds == null ? -1 : fds.length;
	}

	private long statusField(String field) {
		try {
			for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
				if (line.startsWith(field + ":")) {
					return Long.parseLong(line.replaceAll("[^0-9]", ""));
				}
			}
		}
		catch (IOException e) {
			throw new IllegalStateException(e);
		}
		throw new IllegalStateException("no " + field + " for " + name);
	}

	private String jcmd(String command) {
		try {
			Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
			Process run = new ProcessBuilder(jcmd.toString(), Long.toString(pid()), command).redirectErrorStream(true).start();
			String output = new String(run.getInputStream().readAllBytes());
			if (!run.waitFor(60, TimeUnit.SECONDS)) {
				run.destroyForcibly();
			}
			return output;
		}
		catch (IOException e) {
			throw new IllegalStateException(e);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(e);
		}
	}

	/** SIGTERM (Parley drains, then exits), waiting at most {@code grace}, then SIGKILL. */
	void stop(Duration grace) {
		process.destroy();
		try {
			if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
				process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	String tail(int lines) {
		try {
			List<String> all = Files.readAllLines(log);
			return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
		}
		catch (IOException e) {
			return "(no log: " + e.getMessage() + ")";
		}
	}

	@Override
	public void close() {
		if (process.isAlive()) {
			stop(Duration.ofSeconds(20));
		}
	}
}
