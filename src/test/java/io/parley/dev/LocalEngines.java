package io.parley.dev;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Real PostgreSQL, Redis, Kafka (KRaft) and Cassandra on this machine, without Docker, for
 * development and integration tests. Test classpath only.
 *
 * <p>
 * The four start in parallel; each prints one line when it is up. {@link #properties()} gives
 * the Spring properties that point the application at them. All data lives in one folder
 * ({@link EngineSettings#dataDir()}); a restart with the same folder keeps it. The engines stop
 * cleanly in a JVM shutdown hook (after Spring Boot has closed its application contexts) or on
 * {@link #close()}; if the JVM is killed, a watchdog stops the child processes, and the next start
 * stops any that are still around.
 */
public final class LocalEngines implements AutoCloseable {

	private static final String LOCK_FILE = ".lock";

	/** The shutdown hooks of Spring Boot and Spring Framework; the engines stop after them. */
	private static final Set<String> SPRING_SHUTDOWN_HOOKS = Set.of("SpringApplicationShutdownHook",
			"SpringContextShutdownHook");

	private static LocalEngines testEngines;

	private static RuntimeException testEnginesFailure;

	private final EngineSettings settings;

	private final List<Engine> engines;

	private final Map<String, Object> properties;

	private final FileChannel lockChannel;

	private final OrphanWatchdog watchdog;

	private final boolean deleteDataOnClose;

	private boolean closed;

	private LocalEngines(EngineSettings settings, List<Engine> engines, FileChannel lockChannel,
			OrphanWatchdog watchdog, boolean deleteDataOnClose) {
		this.settings = settings;
		this.engines = engines;
		this.lockChannel = lockChannel;
		this.watchdog = watchdog;
		this.deleteDataOnClose = deleteDataOnClose;
		Map<String, Object> properties = new LinkedHashMap<>();
		engines.forEach((engine) -> properties.putAll(new TreeMap<>(engine.properties())));
		this.properties = Collections.unmodifiableMap(properties);
	}

	/**
	 * Fixed ports (Postgres 15432, Redis 16379, Kafka 19092 + controller 19093, Cassandra 19042,
	 * storage 17000, JMX 17199); data kept in {@code $PARLEY_DATA_DIR}, by default
	 * {@code <project>/.parley-data}; wiped first when {@code -Dparley.wipe=true} or
	 * {@code PARLEY_WIPE=true}.
	 * @throws MissingPrerequisite when something needed is not installed; print its message
	 */
	public static LocalEngines forDevelopment() {
		EngineLogging.infoUntilSpringConfiguresLogging();
		return start(EngineSettings.forDevelopment());
	}

	/**
	 * The engines of this test JVM: started by the first call, on random free ports, in
	 * {@code target/test-engines} wiped at start (in {@code target/test-engines-<pid>}, deleted at
	 * the end, while another test JVM holds that folder); stopped when the JVM exits. A failed
	 * start is remembered, so that later test classes fail fast instead of waiting again.
	 */
	public static synchronized LocalEngines forTests() {
		if (testEnginesFailure != null) {
			throw testEnginesFailure;
		}
		if (testEngines == null) {
			try {
				testEngines = start(EngineSettings.forTests());
			}
			catch (RuntimeException ex) {
				testEnginesFailure = ex;
				throw ex;
			}
		}
		return testEngines;
	}

	/** Starts the four engines with the given settings and waits until all are ready. */
	public static LocalEngines start(EngineSettings settings) {
		long startedAt = System.nanoTime();
		FileChannel lock = tryLock(settings.dataDir());
		boolean privateFolder = false;
		if (lock == null && settings.disposable()) {
			// Another test JVM holds the folder (an IDE run next to Maven, parallel forks): use
			// a folder of this JVM's own, deleted again at the end.
			Path dataDir = settings.dataDir();
			settings = settings.withDataDir(dataDir.resolveSibling(dataDir.getFileName() + "-" + ProcessHandle.current().pid()));
			lock = tryLock(settings.dataDir());
			privateFolder = true;
		}
		if (lock == null) {
			throw new MissingPrerequisite("The engines' data folder " + settings.dataDir() + " is in use by another "
					+ "running Parley launcher or test JVM. Stop that one first, or set PARLEY_DATA_DIR to another folder.");
		}
		try {
			// Before anything starts: fail fast and clearly if there is no Java 17 for Cassandra.
			Path cassandraJava = CassandraRuntime.java17();
			// Stale processes first: their pid files are in the folder a wipe would delete.
			LocalPostgres.stopStale(settings);
			LocalRedis.stopStale(settings);
			LocalCassandra.stopStale(settings);
			if (settings.wipe()) {
				Processes.deleteContents(settings.dataDir(), LOCK_FILE);
			}
			settings.ports().requireFree();
			EngineLogging.quietEngines();
			System.out.println("[engines] starting postgres, redis, kafka and cassandra in " + settings.dataDir()
					+ (settings.wipe() ? " (wiped)" : ""));
			List<Engine> engines = startInParallel(settings, cassandraJava);
			OrphanWatchdog watchdog = OrphanWatchdog.watch(
					engines.stream().flatMap((engine) -> engine.children().stream()).toList());
			LocalEngines local = new LocalEngines(settings, engines, lock, watchdog, privateFolder);
			Runtime.getRuntime().addShutdownHook(new Thread(local::closeAfterSpring, "parley-engines-shutdown"));
			System.out.printf(Locale.ROOT, "[engines] all up in %.1f s%n", seconds(startedAt));
			return local;
		}
		catch (RuntimeException ex) {
			closeQuietly(lock);
			throw ex;
		}
	}

	/**
	 * Cassandra is started first because it takes longest. If one engine fails, the others are
	 * stopped and its exception is rethrown (a {@link MissingPrerequisite} as it is).
	 */
	private static List<Engine> startInParallel(EngineSettings settings, Path cassandraJava) {
		ExecutorService pool = Executors.newFixedThreadPool(4, (task) -> {
			Thread thread = new Thread(task, "parley-engines-start");
			thread.setDaemon(true);
			return thread;
		});
		try {
			List<CompletableFuture<Engine>> futures = List.of(
					timed(pool, LocalCassandra.NAME, () -> LocalCassandra.start(settings, cassandraJava)),
					timed(pool, LocalKafka.NAME, () -> LocalKafka.start(settings)),
					timed(pool, LocalPostgres.NAME, () -> LocalPostgres.start(settings)),
					timed(pool, LocalRedis.NAME, () -> LocalRedis.start(settings)));
			List<Engine> started = new ArrayList<>();
			RuntimeException failure = null;
			for (CompletableFuture<Engine> future : futures) {
				try {
					started.add(future.join());
				}
				catch (CompletionException ex) {
					RuntimeException cause = asRuntime(ex.getCause());
					if (failure == null || (cause instanceof MissingPrerequisite && !(failure instanceof MissingPrerequisite))) {
						failure = cause;
					}
				}
			}
			if (failure != null) {
				stopAll(started);
				throw failure;
			}
			// Fixed order for the property map and for stopping.
			started.sort(Comparator.comparingInt((engine) -> List
				.of(LocalPostgres.NAME, LocalRedis.NAME, LocalKafka.NAME, LocalCassandra.NAME)
				.indexOf(engine.name())));
			return started;
		}
		finally {
			pool.shutdown();
		}
	}

	private static CompletableFuture<Engine> timed(ExecutorService pool, String name, Callable<Engine> start) {
		return CompletableFuture.supplyAsync(() -> {
			long startedAt = System.nanoTime();
			try {
				Engine engine = start.call();
				System.out.printf(Locale.ROOT, "[engines] %-10s up on %s in %.1f s%n", name, engine.address(),
						seconds(startedAt));
				return engine;
			}
			catch (MissingPrerequisite ex) {
				System.out.printf(Locale.ROOT, "[engines] %-10s cannot start: a prerequisite is missing%n", name);
				throw ex;
			}
			catch (Exception ex) {
				System.out.printf(Locale.ROOT, "[engines] %-10s FAILED after %.1f s: %s%n", name, seconds(startedAt),
						ex.getMessage());
				throw asRuntime(ex);
			}
		}, pool);
	}

	/** The Spring properties that point the application at the engines. */
	public Map<String, Object> properties() {
		return this.properties;
	}

	public EngineSettings settings() {
		return this.settings;
	}

	/**
	 * Stops the four engines (in parallel) and releases the data folder. Safe to call more than
	 * once. Do not call it on {@link #forTests()}: that instance belongs to the whole test JVM.
	 */
	@Override
	public synchronized void close() {
		if (this.closed) {
			return;
		}
		this.closed = true;
		long startedAt = System.nanoTime();
		if (this.watchdog != null) {
			this.watchdog.cancel();
		}
		stopAll(this.engines);
		closeQuietly(this.lockChannel);
		if (this.deleteDataOnClose) {
			try {
				Processes.deleteRecursively(this.settings.dataDir());
			}
			catch (IOException ex) {
				System.err.println("[engines] could not delete " + this.settings.dataDir() + ": " + ex.getMessage());
			}
		}
		if (!this.settings.disposable()) {
			System.out.printf(Locale.ROOT, "[engines] stopped in %.1f s%n", seconds(startedAt));
		}
	}

	/**
	 * The JVM starts all shutdown hooks at once. The application's contexts should close while
	 * the engines are still there (no reconnect noise, consumers leave their groups), so this
	 * hook looks briefly for Spring's shutdown hooks and waits for them to finish first.
	 */
	private void closeAfterSpring() {
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
		List<Thread> springHooks = List.of();
		while (springHooks.isEmpty() && System.nanoTime() < deadline) {
			springHooks = Thread.getAllStackTraces()
				.keySet()
				.stream()
				.filter((thread) -> SPRING_SHUTDOWN_HOOKS.contains(thread.getName()))
				.toList();
			if (springHooks.isEmpty()) {
				Processes.sleep(Duration.ofMillis(20));
			}
		}
		for (Thread hook : springHooks) {
			try {
				hook.join(TimeUnit.SECONDS.toMillis(60));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		close();
	}

	private static void stopAll(List<Engine> engines) {
		List<Thread> stoppers = new ArrayList<>();
		for (Engine engine : engines) {
			Thread stopper = new Thread(() -> {
				try {
					engine.stop();
				}
				catch (RuntimeException ex) {
					System.err.println("[engines] could not stop " + engine.name() + " cleanly: " + ex);
				}
			}, "parley-engines-stop-" + engine.name());
			stopper.start();
			stoppers.add(stopper);
		}
		for (Thread stopper : stoppers) {
			try {
				stopper.join(TimeUnit.SECONDS.toMillis(90));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	/**
	 * One process at a time per data folder: a second launcher or test JVM on the same folder
	 * would fight over ports, pid files and data. The OS releases the lock when the JVM dies.
	 * @return the locked channel, or {@code null} if another process holds the folder
	 */
	private static FileChannel tryLock(Path dataDir) {
		try {
			Files.createDirectories(dataDir);
			FileChannel channel = FileChannel.open(dataDir.resolve(LOCK_FILE), StandardOpenOption.CREATE,
					StandardOpenOption.WRITE);
			FileLock lock;
			try {
				lock = channel.tryLock();
			}
			catch (OverlappingFileLockException ex) {
				lock = null;
			}
			if (lock == null) {
				channel.close();
				return null;
			}
			return channel;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not lock " + dataDir, ex);
		}
	}

	private static void closeQuietly(FileChannel channel) {
		try {
			channel.close();
		}
		catch (IOException ignored) {
			// Released with the process anyway.
		}
	}

	private static RuntimeException asRuntime(Throwable ex) {
		if (ex instanceof RuntimeException runtime) {
			return runtime;
		}
		if (ex instanceof IOException io) {
			return new UncheckedIOException(io);
		}
		return new IllegalStateException(ex.getMessage(), ex);
	}

	private static double seconds(long startedAt) {
		return (System.nanoTime() - startedAt) / 1e9;
	}

}
