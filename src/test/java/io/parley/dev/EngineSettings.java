package io.parley.dev;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where and how the local engines run.
 *
 * @param projectRoot the folder holding {@code mvnw}; caches live under its {@code target/}
 * @param dataDir the one folder that holds the data of all four engines
 * @param wipe delete the data folder's contents before starting
 * @param ports the TCP ports of the engines
 * @param disposable the data is thrown away at the next start anyway, so stop fast (kill)
 *     instead of flushing to disk
 */
public record EngineSettings(Path projectRoot, Path dataDir, boolean wipe, EnginePorts ports, boolean disposable) {

	/**
	 * Fixed ports; data in {@code $PARLEY_DATA_DIR} or {@code <project>/.parley-data}, kept across
	 * restarts unless {@code -Dparley.wipe=true} or {@code PARLEY_WIPE=true}.
	 */
	public static EngineSettings forDevelopment() {
		Path root = findProjectRoot();
		String configured = System.getenv("PARLEY_DATA_DIR");
		Path dataDir = (configured != null && !configured.isBlank()) ? Path.of(configured) : root.resolve(".parley-data");
		boolean wipe = Boolean.getBoolean("parley.wipe") || "true".equalsIgnoreCase(System.getenv("PARLEY_WIPE"));
		return new EngineSettings(root, dataDir.toAbsolutePath().normalize(), wipe, EnginePorts.fixed(), false);
	}

	/** Random free ports; data in {@code <project>/target/test-engines}, wiped at every start. */
	public static EngineSettings forTests() {
		Path root = findProjectRoot();
		return new EngineSettings(root, root.resolve("target/test-engines"), true, EnginePorts.random(), true);
	}

	/** The same settings with another data folder. */
	public EngineSettings withDataDir(Path dataDir) {
		return new EngineSettings(this.projectRoot, dataDir, this.wipe, this.ports, this.disposable);
	}

	/** The folder of one engine inside the data folder. */
	public Path dir(String engine) {
		return this.dataDir.resolve(engine);
	}

	/**
	 * Caches that survive a wipe of the data folder (Postgres binaries, Cassandra's classpath).
	 * Under {@code target/} so that {@code mvn clean} resets them.
	 */
	Path cacheDir() {
		return this.projectRoot.resolve("target/engine-cache");
	}

	/** Walks up from the working directory to the folder that contains {@code mvnw}. */
	static Path findProjectRoot() {
		Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath();
		for (Path dir = start; dir != null; dir = dir.getParent()) {
			if (Files.isRegularFile(dir.resolve("mvnw"))) {
				return dir;
			}
		}
		throw new MissingPrerequisite("The local engines could not find the Parley project: no folder from " + start
				+ " upwards contains 'mvnw'. Start the tests or the launcher from inside the project.");
	}

}
