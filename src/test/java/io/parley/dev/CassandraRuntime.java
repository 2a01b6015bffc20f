package io.parley.dev;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the forked Cassandra JVM needs: a Java 17 (Cassandra 5.0 exits at start-up on newer Javas)
 * and the runtime class path of cassandra-all, resolved by the project's own Maven wrapper from a
 * separate pom so that those ~100 jars never land on the application's class path.
 */
final class CassandraRuntime {

	/** Keep in step with src/test/engines/cassandra/pom.xml (the version is also passed to it). */
	static final String VERSION = "5.0.9";

	static final String JAVA_HOME_VARIABLE = "PARLEY_CASSANDRA_JAVA_HOME";

	private static final Pattern RELEASE_VERSION = Pattern.compile("^JAVA_VERSION=\"(\\d+)", Pattern.MULTILINE);

	private static final Pattern VERSION_OUTPUT = Pattern.compile("version \"(\\d+)");

	private CassandraRuntime() {
	}

	/** The {@code java} launcher of a Java 17. */
	static Path java17() {
		if (Runtime.version().feature() == 17) {
			return launcher(Path.of(System.getProperty("java.home")));
		}
		String configured = System.getenv(JAVA_HOME_VARIABLE);
		if (configured != null && !configured.isBlank()) {
			Path home = Path.of(configured);
			if (featureVersion(home).orElse(-1) == 17) {
				return launcher(home);
			}
			throw new MissingPrerequisite(JAVA_HOME_VARIABLE + " is set to " + configured
					+ ", but that folder does not hold a Java 17 (it needs bin/java and must report version 17). "
					+ "Cassandra " + VERSION + " only runs on Java 17; point " + JAVA_HOME_VARIABLE
					+ " at the home folder of a Java 17 JDK, e.g. /usr/lib/jvm/java-17-openjdk-amd64.");
		}
		for (Path candidate : candidates()) {
			if (featureVersion(candidate).orElse(-1) == 17) {
				return launcher(candidate);
			}
		}
		throw new MissingPrerequisite("Cassandra " + VERSION + " needs a Java 17 to run, and none was found: "
				+ "this JVM is Java " + Runtime.version().feature() + ", " + JAVA_HOME_VARIABLE
				+ " is not set, and no Java 17 is installed under /usr/lib/jvm, /opt, ~/.sdkman or ~/.jdks. "
				+ "Install a JDK 17 (for example 'apt-get install openjdk-17-jdk-headless', or a Temurin 17) and, "
				+ "if it is not in one of those places, set " + JAVA_HOME_VARIABLE + " to its home folder, e.g. 'export "
				+ JAVA_HOME_VARIABLE + "=/usr/lib/jvm/java-17-openjdk-amd64'. Only Cassandra's own process uses it; "
				+ "the tests and the application keep running on the Java you started them with.");
	}

	private static Path launcher(Path javaHome) {
		return javaHome.resolve("bin/java");
	}

	private static List<Path> candidates() {
		Path userHome = Path.of(System.getProperty("user.home"));
		List<Path> candidates = new ArrayList<>();
		for (Path parent : List.of(Path.of("/usr/lib/jvm"), Path.of("/opt"), userHome.resolve(".sdkman/candidates/java"),
				userHome.resolve(".jdks"))) {
			if (Files.isDirectory(parent)) {
				try (Stream<Path> children = Files.list(parent)) {
					children.filter(Files::isDirectory).sorted().forEach(candidates::add);
				}
				catch (IOException ignored) {
					// Not readable: not a candidate.
				}
			}
		}
		return candidates;
	}

	/** The feature version of the Java at {@code home}: from its release file, else from java -version. */
	static Optional<Integer> featureVersion(Path home) {
		if (!Files.isExecutable(launcher(home))) {
			return Optional.empty();
		}
		try {
			Path release = home.resolve("release");
			if (Files.isRegularFile(release)) {
				Matcher matcher = RELEASE_VERSION.matcher(Files.readString(release));
				if (matcher.find()) {
					return Optional.of(Integer.parseInt(matcher.group(1)));
				}
			}
			Process process = new ProcessBuilder(launcher(home).toString(), "-version").redirectErrorStream(true).start();
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			process.waitFor(30, TimeUnit.SECONDS);
			Matcher matcher = VERSION_OUTPUT.matcher(output);
			return matcher.find() ? Optional.of(Integer.parseInt(matcher.group(1))) : Optional.empty();
		}
		catch (IOException | NumberFormatException ex) {
			return Optional.empty();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return Optional.empty();
		}
	}

	/**
	 * The jars of cassandra-all and its runtime dependencies. Resolved once with
	 * {@code ./mvnw dependency:build-classpath} and cached under target/, keyed by version.
	 */
	static List<Path> classpath(EngineSettings settings) {
		Path cache = settings.cacheDir().resolve("cassandra-" + VERSION + ".classpath");
		Optional<List<Path>> cached = read(cache);
		if (cached.isPresent()) {
			return cached.get();
		}
		resolve(settings, cache);
		return read(cache).orElseThrow(() -> new MissingPrerequisite("Maven reported success but " + cache
				+ " does not list Cassandra's jars. Delete it and try again."));
	}

	/** The cached class path, if every jar in it still exists (a cleaned ~/.m2 invalidates it). */
	private static Optional<List<Path>> read(Path cache) {
		if (!Files.isRegularFile(cache)) {
			return Optional.empty();
		}
		try {
			String content = Files.readString(cache).trim();
			List<Path> jars = Arrays.stream(content.split(java.io.File.pathSeparator))
				.filter((entry) -> !entry.isBlank())
				.map(Path::of)
				.collect(Collectors.toList());
			boolean complete = jars.size() > 10 && jars.stream().allMatch(Files::isRegularFile);
			return complete ? Optional.of(jars) : Optional.empty();
		}
		catch (IOException ex) {
			return Optional.empty();
		}
	}

	private static void resolve(EngineSettings settings, Path cache) {
		Path root = settings.projectRoot();
		Path pom = root.resolve("src/test/engines/cassandra/pom.xml");
		Path mvnw = root.resolve("mvnw");
		try {
			Files.createDirectories(cache.getParent());
			Path partial = cache.resolveSibling(cache.getFileName() + ".partial");
			Path log = cache.resolveSibling("cassandra-" + VERSION + "-resolve.log");
			List<String> command = new ArrayList<>();
			if (!Files.isExecutable(mvnw)) {
				command.add("sh");
			}
			command.addAll(List.of(mvnw.toString(), "-q", "-B", "-f", pom.toString(), "dependency:build-classpath",
					"-Dmdep.outputFile=" + partial, "-Dmdep.includeScope=runtime", "-Dcassandra.version=" + VERSION));
			System.out.println("[engines] resolving Cassandra " + VERSION + "'s jars with ./mvnw (once; cached in "
					+ cache.getParent() + ")");
			Process process = new ProcessBuilder(command).directory(root.toFile())
				.redirectErrorStream(true)
				.redirectOutput(Redirect.to(log.toFile()))
				.redirectInput(Redirect.from(new java.io.File("/dev/null")))
				.start();
			if (!process.waitFor(10, TimeUnit.MINUTES)) {
				Processes.kill(process.toHandle());
				throw new MissingPrerequisite("Resolving Cassandra's jars with ./mvnw took more than 10 minutes; see " + log);
			}
			if (process.exitValue() != 0) {
				throw new MissingPrerequisite("Could not resolve Cassandra " + VERSION + "'s jars with '"
						+ String.join(" ", command) + "' (exit code " + process.exitValue() + "). The first run needs "
						+ "Maven Central (or a mirror in ~/.m2/settings.xml). Maven said:" + System.lineSeparator()
						+ Processes.tail(log, 30));
			}
			// Atomic, so that a concurrent reader never sees half a file.
			Files.move(partial, cache, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not run " + mvnw, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while resolving Cassandra's jars", ex);
		}
	}

}
