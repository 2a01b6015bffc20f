package io.parley.dev;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;

/**
 * Cassandra 5.0 in its own JVM on Java 17. In-process it would install a JVM-wide security
 * manager, share the heap and call System.exit on errors. It writes its log to a file in its data
 * folder; its pid goes to a pid file so that a JVM killed with -9 leaves nothing behind at the next
 * start.
 */
final class LocalCassandra implements Engine {

	static final String NAME = "cassandra";

	private static final String MAIN_CLASS = "org.apache.cassandra.service.CassandraDaemon";

	private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

	/**
	 * From Cassandra's conf/jvm17-server.options and jvm-server.options, trimmed for a development
	 * node: a small heap and no options for production tuning.
	 */
	private static final List<String> JVM_OPTIONS = List.of("-Xms128m", "-Xmx512m", "-Xss256k", "-XX:+UseG1GC",
			"-XX:+ParallelRefProcEnabled", "-XX:MaxTenuringThreshold=1", "-XX:+PerfDisableSharedMem",
			// Better dead than running on with a half-failed allocation.
			"-XX:+ExitOnOutOfMemoryError",
			"-Djava.net.preferIPv4Stack=true", "-Djdk.attach.allowAttachSelf=true",
			"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
			"--add-exports=java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
			"--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED", "--add-exports=java.rmi/sun.rmi.server=ALL-UNNAMED",
			"--add-exports=java.sql/java.sql=ALL-UNNAMED", "--add-exports=java.base/java.lang.ref=ALL-UNNAMED",
			"--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
			"--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
			"--add-exports=jdk.attach/sun.tools.attach=ALL-UNNAMED",
			"--add-opens=java.base/java.lang.module=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.loader=ALL-UNNAMED",
			"--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.reflect=ALL-UNNAMED",
			"--add-opens=java.base/jdk.internal.math=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.module=ALL-UNNAMED",
			"--add-opens=java.base/jdk.internal.util.jar=ALL-UNNAMED",
			"--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED",
			"--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
			"--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
			"--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
			"-Dio.netty.tryReflectionSetAccessible=true", "-Dio.netty.allocator.useCacheForAllThreads=true",
			"-Dio.netty.allocator.maxOrder=11",
			// A single fresh node: no need to wait for gossip or the ring to settle.
			"-Dcassandra.skip_wait_for_gossip_to_settle=0", "-Dcassandra.ring_delay_ms=1000",
			"-Dcassandra-foreground=yes");

	private final Process process;

	private final Path pidFile;

	private final int port;

	private final String datacenter;

	private final boolean disposable;

	private LocalCassandra(Process process, Path pidFile, int port, String datacenter, boolean disposable) {
		this.process = process;
		this.pidFile = pidFile;
		this.port = port;
		this.datacenter = datacenter;
		this.disposable = disposable;
	}

	/** Stops a Cassandra left running on this data folder by a JVM that was killed. */
	static void stopStale(EngineSettings settings) {
		Processes.fromPidFile(settings.dir(NAME).resolve("cassandra.pid"), MAIN_CLASS).ifPresent((stale) -> {
			System.out.println("[engines] stopping a stale cassandra (pid " + stale.pid() + ")");
			if (settings.wipe()) {
				Processes.kill(stale);
			}
			else {
				// SIGTERM lets it flush its memtables; a kill would only cost a commit log replay.
				Processes.stop(stale, Duration.ofSeconds(60));
			}
		});
	}

	/**
	 * @param java the launcher of a Java 17 ({@link CassandraRuntime#java17()}), looked up
	 *     before anything starts so that a missing one fails fast
	 */
	static LocalCassandra start(EngineSettings settings, Path java) throws IOException {
		List<Path> classpath = CassandraRuntime.classpath(settings);

		Path home = settings.dir(NAME);
		Path logDir = home.resolve("logs");
		for (String dir : List.of("data", "commitlog", "saved_caches", "hints", "cdc_raw", "triggers", "logs")) {
			Files.createDirectories(home.resolve(dir));
		}
		Path yaml = home.resolve("cassandra.yaml");
		Files.writeString(yaml, yaml(settings, home));
		Path logback = home.resolve("logback.xml");
		Files.writeString(logback, LOGBACK);

		EnginePorts ports = settings.ports();
		List<String> command = new ArrayList<>();
		command.add(java.toString());
		command.addAll(JVM_OPTIONS);
		command.add("-Dcassandra.config=" + yaml.toUri());
		command.add("-Dcassandra.storagedir=" + home);
		command.add("-Dcassandra.logdir=" + logDir);
		command.add("-Dcassandra.triggers_dir=" + home.resolve("triggers"));
		command.add("-Dlogback.configurationFile=" + logback.toUri());
		command.add("-Dcassandra.jmx.local.port=" + ports.cassandraJmx());
		command.add("-cp");
		command.add(classpath.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)));
		command.add(MAIN_CLASS);

		ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile())
			.redirectErrorStream(true)
			// Whatever escapes logback (JVM warnings, early errors) goes to a file, never to our console.
			.redirectOutput(Redirect.appendTo(logDir.resolve("stdout.log").toFile()))
			.redirectInput(Redirect.from(new File("/dev/null")));
		// Options meant for this JVM (an IDE's debug agent, say) must not reach Cassandra's.
		builder.environment().keySet().removeAll(List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"));
		Process process = builder.start();
		Path pidFile = home.resolve("cassandra.pid");
		Processes.writePid(pidFile, process.pid());
		try {
			String datacenter = awaitReady(process, ports.cassandraNative(), logDir);
			return new LocalCassandra(process, pidFile, ports.cassandraNative(), datacenter, settings.disposable());
		}
		catch (RuntimeException ex) {
			Processes.kill(process.toHandle());
			Files.deleteIfExists(pidFile);
			throw ex;
		}
	}

	/**
	 * Ready when a CQL session on the native port works; Cassandra opens that port last. Returns
	 * the data center the node reports, which the driver needs as its local data center.
	 */
	private static String awaitReady(Process process, int port, Path logDir) {
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		RuntimeException lastFailure = null;
		while (System.nanoTime() < deadline) {
			if (!process.isAlive()) {
				throw new IllegalStateException("Cassandra exited with code " + process.exitValue() + " during start-up."
						+ logTail(logDir));
			}
			if (isListening(port)) {
				try {
					return datacenter(port);
				}
				catch (RuntimeException ex) {
					lastFailure = ex;
				}
			}
			Processes.sleep(Duration.ofMillis(250));
		}
		String message = "Cassandra did not accept a CQL session on 127.0.0.1:" + port + " within "
				+ START_TIMEOUT.toSeconds() + " s." + logTail(logDir);
		System.err.println("[engines] " + message);
		throw new IllegalStateException(message, lastFailure);
	}

	private static boolean isListening(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static String datacenter(int port) {
		// The data center is not known yet, so let the driver infer it from the contact point.
		// No schema or token metadata, and no 2 s quiet period when closing: it is a one-off query.
		DriverConfigLoader config = DriverConfigLoader.programmaticBuilder()
			.withString(DefaultDriverOption.LOAD_BALANCING_POLICY_CLASS, "DcInferringLoadBalancingPolicy")
			.withString(DefaultDriverOption.SESSION_NAME, "engines-probe")
			.withBoolean(DefaultDriverOption.METADATA_SCHEMA_ENABLED, false)
			.withBoolean(DefaultDriverOption.METADATA_TOKEN_MAP_ENABLED, false)
			.withInt(DefaultDriverOption.NETTY_IO_SHUTDOWN_QUIET_PERIOD, 0)
			.withInt(DefaultDriverOption.NETTY_ADMIN_SHUTDOWN_QUIET_PERIOD, 0)
			.withDuration(DefaultDriverOption.CONNECTION_CONNECT_TIMEOUT, Duration.ofSeconds(5))
			.withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(10))
			.withDuration(DefaultDriverOption.CONTROL_CONNECTION_TIMEOUT, Duration.ofSeconds(10))
			.withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(10))
			.build();
		try (CqlSession session = CqlSession.builder()
			.addContactPoint(new InetSocketAddress("127.0.0.1", port))
			.withConfigLoader(config)
			.build()) {
			Row row = session.execute("SELECT data_center FROM system.local").one();
			if (row == null) {
				throw new IllegalStateException("system.local is empty");
			}
			return row.getString("data_center");
		}
	}

	private static String logTail(Path logDir) {
		String n = System.lineSeparator();
		return " Last lines of " + logDir.resolve("system.log") + ":" + n + Processes.tail(logDir.resolve("system.log"), 40)
				+ n + "Last lines of " + logDir.resolve("stdout.log") + ":" + n + Processes.tail(logDir.resolve("stdout.log"), 15);
	}

	/** A one-token node on 127.0.0.1 with every folder under {@code home} and small memory settings. */
	private static String yaml(EngineSettings settings, Path home) {
		EnginePorts ports = settings.ports();
		return """
				# Written by io.parley.dev.LocalCassandra at each start.
				cluster_name: 'Parley Local'
				num_tokens: 1
				initial_token: 0
				partitioner: org.apache.cassandra.dht.Murmur3Partitioner
				endpoint_snitch: SimpleSnitch
				seed_provider:
				  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
				    parameters:
				      - seeds: "127.0.0.1:%d"
				listen_address: 127.0.0.1
				rpc_address: 127.0.0.1
				storage_port: %d
				native_transport_port: %d
				start_native_transport: true
				authenticator: AllowAllAuthenticator
				authorizer: AllowAllAuthorizer
				data_file_directories:
				  - %s
				commitlog_directory: %s
				saved_caches_directory: %s
				hints_directory: %s
				cdc_raw_directory: %s
				commitlog_sync: periodic
				commitlog_sync_period: 10000ms
				# A new cluster with no older nodes to stay compatible with: all 5.0 features.
				storage_compatibility_mode: NONE
				memtable_allocation_type: heap_buffers
				memtable_heap_space: 64MiB
				memtable_offheap_space: 64MiB
				file_cache_size: 32MiB
				concurrent_compactors: 1
				concurrent_reads: 8
				concurrent_writes: 8
				concurrent_counter_writes: 8
				concurrent_materialized_view_writes: 8
				# Tests drop and truncate often; a snapshot each time only costs time and disk.
				auto_snapshot: false
				""".formatted(ports.cassandraStorage(), ports.cassandraStorage(), ports.cassandraNative(),
				quote(home.resolve("data")), quote(home.resolve("commitlog")), quote(home.resolve("saved_caches")),
				quote(home.resolve("hints")), quote(home.resolve("cdc_raw")));
	}

	private static String quote(Path path) {
		return "'" + path.toAbsolutePath().toString().replace("'", "''") + "'";
	}

	/** Cassandra's own log goes to a rolling file in its data folder, not to our console. */
	private static final String LOGBACK = """
			<configuration>
			  <appender name="FILE" class="ch.qos.logback.core.rolling.RollingFileAppender">
			    <file>${cassandra.logdir}/system.log</file>
			    <rollingPolicy class="ch.qos.logback.core.rolling.FixedWindowRollingPolicy">
			      <fileNamePattern>${cassandra.logdir}/system.log.%i.zip</fileNamePattern>
			      <minIndex>1</minIndex>
			      <maxIndex>3</maxIndex>
			    </rollingPolicy>
			    <triggeringPolicy class="ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy">
			      <maxFileSize>20MB</maxFileSize>
			    </triggeringPolicy>
			    <encoder>
			      <pattern>%-5level [%thread] %date{ISO8601} %logger{0} - %msg%n</pattern>
			    </encoder>
			  </appender>
			  <root level="INFO">
			    <appender-ref ref="FILE"/>
			  </root>
			</configuration>
			""";

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
		return Map.of("spring.cassandra.contact-points", address(), "spring.cassandra.local-datacenter", this.datacenter);
	}

	@Override
	public List<Child> children() {
		return this.process.isAlive() ? List.of(new Child(this.process.pid(), "TERM")) : List.of();
	}

	@Override
	public void stop() {
		if (this.disposable) {
			// Its data is wiped at the next start: no need to wait for a flush.
			Processes.kill(this.process.toHandle());
		}
		else {
			// SIGTERM runs Cassandra's shutdown hook, which flushes memtables (a few seconds).
			Processes.stop(this.process.toHandle(), Duration.ofSeconds(60));
		}
		try {
			Files.deleteIfExists(this.pidFile);
		}
		catch (IOException ignored) {
			// A leftover pid file is checked against the command line at the next start anyway.
		}
	}

}
