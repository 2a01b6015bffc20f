package io.parley.dev;

/**
 * Something the local engines need is missing or taken: a Java 17 for Cassandra, Maven access to
 * resolve Cassandra's jars, a free port, or a data folder not used by another launcher. The
 * message is a complete explanation of what to do, meant to be printed as is instead of a stack
 * trace.
 */
public final class MissingPrerequisite extends RuntimeException {

	private static final long serialVersionUID = 1L;

	public MissingPrerequisite(String message) {
		super(message, null, false, false);
	}

}
