package io.parley.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A fleet of {@link ConnectionsProcess}es, process {@code k} connecting from {@code 127.0.0.(2+k)},
 * which together hold {@code total} connections. Collects what they report, with its wall-clock
 * time, for the scenario to count.
 */
final class Generators implements AutoCloseable {

	/** One report of one generator: {@code kind} is {@code up}, {@code refused}, {@code failed} or {@code closed}. */
	record Event(String kind, long epochMillis) {
	}

	private static final java.util.Set<String> EVENTS = java.util.Set.of("up", "refused", "failed", "closed");

	private final List<Process> processes = new ArrayList<>();
	private final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();
	private final CountDownLatch ready;

	private Generators(int count) {
		this.ready = new CountDownLatch(count);
	}

	/**
	 * @param url the WebSocket URL, with {@code {token}} and {@code {i}} placeholders
	 * @param tokens a file of access tokens, one a line (or {@code null})
	 */
	static Generators start(int processes, int total, String url, Path tokens, Duration heartbeat) throws IOException {
		Generators fleet = new Generators(processes);
		for (int k = 0; k < processes; k++) {
			int share = total / processes + (k < total % processes ? 1 : 0);
			List<String> command = new ArrayList<>(List.of(io.parley.support.ParleyJar.javaExecutable(), "-Xmx384m", "-XX:+UseSerialGC",
					"-cp", System.getProperty("java.class.path"), ConnectionsProcess.class.getName(), "url=" + url,
					"count=" + share, "from=127.0.0." + (2 + k), "heartbeat=" + heartbeat.toSeconds()));
			if (tokens != null) {
				command.add("tokens=" + tokens);
			}
			Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
			fleet.processes.add(process);
			Thread reader = new Thread(() -> fleet.read(process), "generator-" + k);
			reader.setDaemon(true);
			reader.start();
		}
		return fleet;
	}

	private void read(Process process) {
		try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = lines.readLine()) != null) {
				String[] parts = line.split(" ", 2);
				if (parts[0].equals("ready")) {
					ready.countDown();
				}
				else if (parts.length == 2 && EVENTS.contains(parts[0]) && parts[1].matches("\\d+")) {
					events.add(new Event(parts[0], Long.parseLong(parts[1])));
				}
				// anything else (a library's log line) is not an event: skipped, never the end of reading
			}
		}
		catch (IOException e) {
			// the process ended
		}
	}

	/** True once every generator holds its share. */
	boolean awaitReady(Duration timeout) throws InterruptedException {
		return ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
	}

	List<Event> events() {
		return List.copyOf(events);
	}

	long count(String kind) {
		return events.stream().filter(e -> e.kind().equals(kind)).count();
	}

	@Override
	public void close() {
		for (Process process : processes) {
			try (OutputStream in = process.getOutputStream()) {
				in.write("quit\n".getBytes(StandardCharsets.UTF_8));
			}
			catch (IOException e) {
				// already gone
			}
		}
		for (Process process : processes) {
			try {
				if (!process.waitFor(10, TimeUnit.SECONDS)) {
					process.destroyForcibly();
				}
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				process.destroyForcibly();
			}
		}
	}
}
