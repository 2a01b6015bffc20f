package io.parley.dev;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import redis.embedded.core.ExecutableProvider;

/**
 * Redis 6.2, the binary bundled in embedded-redis, run as a plain child process with an
 * append-only file so that data survives restarts. embedded-redis' own launcher is not used:
 * it keeps a pipe to this JVM that nobody drains and adds its own shutdown hook.
 */
final class LocalRedis implements Engine {

	static final String NAME = "redis";

	private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

	private final Process process;

	private final int port;

	private LocalRedis(Process process, int port) {
		this.process = process;
		this.port = port;
	}

	/** Stops a redis-server left running on this data folder by a JVM that was killed. */
	static void stopStale(EngineSettings settings) {
		Processes.fromPidFile(settings.dir(NAME).resolve("redis.pid"), "redis-server").ifPresent((stale) -> {
			System.out.println("[engines] stopping a stale redis-server (pid " + stale.pid() + ")");
			Processes.stop(stale, Duration.ofSeconds(10));
		});
	}

	static LocalRedis start(EngineSettings settings) throws IOException {
		Path home = settings.dir(NAME);
		Files.createDirectories(home);
		Path binDir = Files.createDirectories(home.resolve("bin"));
		File binary = ExecutableProvider.newJarResourceProvider(binDir.toFile()).get();
		int port = settings.ports().redis();
		Path config = home.resolve("redis.conf");
		Files.writeString(config, String.join(System.lineSeparator(), "# Written by io.parley.dev.LocalRedis at each start",
				"bind 127.0.0.1", "port " + port, "daemonize no", "dir " + quote(home), "pidfile " + quote(home.resolve("redis.pid")),
				// Every write goes to the append-only file, fsynced each second.
				"appendonly yes", "appendfsync everysec", "logfile \"\"", ""));
		Process process = new ProcessBuilder(binary.getAbsolutePath(), config.toString()).directory(home.toFile())
			.redirectErrorStream(true)
			.redirectOutput(Redirect.appendTo(home.resolve("redis.log").toFile()))
			.start();
		try {
			awaitPong(process, port, home.resolve("redis.log"));
		}
		catch (RuntimeException ex) {
			Processes.kill(process.toHandle());
			throw ex;
		}
		return new LocalRedis(process, port);
	}

	/** Ready when PING answers PONG; while it replays the append-only file it answers LOADING. */
	private static void awaitPong(Process process, int port, Path log) {
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		while (System.nanoTime() < deadline) {
			if (!process.isAlive()) {
				throw new IllegalStateException("redis-server exited with code " + process.exitValue()
						+ " during start-up. Last lines of " + log + ":" + System.lineSeparator() + Processes.tail(log, 20));
			}
			if (ping(port)) {
				return;
			}
			Processes.sleep(Duration.ofMillis(50));
		}
		throw new IllegalStateException("redis-server did not answer PING within " + START_TIMEOUT.toSeconds()
				+ " s. Last lines of " + log + ":" + System.lineSeparator() + Processes.tail(log, 20));
	}

	private static boolean ping(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
			socket.setSoTimeout(2000);
			OutputStream out = socket.getOutputStream();
			out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			String reply = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
				.readLine();
			return "+PONG".equals(reply);
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static String quote(Path path) {
		return "\"" + path.toAbsolutePath().toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
	}

	@Override
	public String name() {
		return NAME;
	}

	@Override
	public int port() {
		return this.port;
	}

	@Override
	public Map<String, String> properties() {
		return Map.of("spring.data.redis.host", "127.0.0.1", "spring.data.redis.port", Integer.toString(this.port));
	}

	@Override
	public List<Child> children() {
		return this.process.isAlive() ? List.of(new Child(this.process.pid(), "TERM")) : List.of();
	}

	@Override
	public void stop() {
		// SIGTERM: redis fsyncs the append-only file (and writes its snapshot) before exiting.
		Processes.stop(this.process.toHandle(), Duration.ofSeconds(10));
	}

}
