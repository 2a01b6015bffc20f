package io.parley.dev;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * PostgreSQL 18 from the zonky binaries, with a fixed data folder so that data survives restarts.
 * The postmaster is a daemon: it outlives a killed JVM, so a stale one is stopped before start.
 */
final class LocalPostgres implements Engine {

	static final String NAME = "postgres";

	private final EmbeddedPostgres postgres;

	private final Path dataDir;

	private final int port;

	private LocalPostgres(EmbeddedPostgres postgres, Path dataDir, int port) {
		this.postgres = postgres;
		this.dataDir = dataDir;
		this.port = port;
	}

	/** Stops a postmaster left running on this data folder by a JVM that was killed. */
	static void stopStale(EngineSettings settings) {
		Path dataDir = dataDir(settings);
		// The postmaster's command line carries "-D <dataDir>": only that one is ours.
		Processes.fromPidFile(dataDir.resolve("postmaster.pid"), dataDir.toString()).ifPresent((stale) -> {
			System.out.println("[engines] stopping a stale postgres (pid " + stale.pid() + ")");
			// SIGTERM is a "smart" shutdown: it waits for clients, but those died with the old JVM.
			Processes.stop(stale, Duration.ofSeconds(30));
		});
	}

	static LocalPostgres start(EngineSettings settings) throws IOException {
		Path home = settings.dir(NAME);
		Files.createDirectories(home);
		Path dataDir = dataDir(settings);
		// pg_ctl and the server write to this file rather than to pipes into this JVM, so the
		// daemon holds no pipe to a JVM that may be gone.
		Redirect log = Redirect.appendTo(home.resolve("postgres.log").toFile());
		int port = settings.ports().postgres();
		EmbeddedPostgres postgres = EmbeddedPostgres.builder()
			.setPort(port)
			.setDataDirectory(dataDir)
			.setCleanDataDirectory(false)
			// Unpack the binaries once into a cache rather than per data folder.
			.setOverrideWorkingDirectory(settings.cacheDir().resolve("postgres").toFile())
			// zonky starts postgres with -F (fsync off); development data should survive a crash.
			.setServerConfig("fsync", "on")
			.setServerConfig("listen_addresses", "127.0.0.1")
			// Unicode-aware ctype and a stable byte-order collation, independent of the host's LANG.
			.setLocaleConfig("locale", "C")
			.setLocaleConfig("locale-provider", "builtin")
			.setLocaleConfig("builtin-locale", "C.UTF-8")
			.setOutputRedirector(log)
			.setErrorRedirector(log)
			// initdb on first start and two busy cores can exceed zonky's 10 s default.
			.setPGStartupWait(Duration.ofSeconds(60))
			// LocalEngines owns the shutdown order.
			.setRegisterShutdownHook(false)
			.start();
		return new LocalPostgres(postgres, dataDir, port);
	}

	private static Path dataDir(EngineSettings settings) {
		return settings.dir(NAME).resolve("data");
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
		return Map.of("spring.datasource.url", "jdbc:postgresql://127.0.0.1:" + this.port + "/postgres",
				"spring.datasource.username", "postgres", "spring.datasource.password", "");
	}

	@Override
	public List<Child> children() {
		// SIGINT is postgres' "fast" shutdown: it disconnects clients and checkpoints.
		return Processes.fromPidFile(this.dataDir.resolve("postmaster.pid"), this.dataDir.toString())
			.map((postmaster) -> List.of(new Child(postmaster.pid(), "INT")))
			.orElse(List.of());
	}

	@Override
	public void stop() {
		try {
			this.postgres.close();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
