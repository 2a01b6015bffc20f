package io.parley.dev;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** The TCP ports of the four engines, all bound to 127.0.0.1. */
public record EnginePorts(int postgres, int redis, int kafka, int kafkaController, int cassandraNative,
		int cassandraStorage, int cassandraJmx) {

	/** The fixed ports of the development launcher, chosen away from each engine's default port. */
	public static EnginePorts fixed() {
		return new EnginePorts(15432, 16379, 19092, 19093, 19042, 17000, 17199);
	}

	/**
	 * Seven distinct ports that are free right now. Another process could take one before the
	 * engine binds it; that race is accepted for tests.
	 */
	public static EnginePorts random() {
		List<ServerSocket> sockets = new ArrayList<>();
		try {
			for (int i = 0; i < 7; i++) {
				// Hold all of them open until the end so the seven are distinct.
				ServerSocket socket = new ServerSocket();
				socket.setReuseAddress(true);
				socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
				sockets.add(socket);
			}
			int[] p = sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
			return new EnginePorts(p[0], p[1], p[2], p[3], p[4], p[5], p[6]);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not find free ports", ex);
		}
		finally {
			sockets.forEach(EnginePorts::closeQuietly);
		}
	}

	/** Fails with a clear message when one of the ports is already taken by another process. */
	void requireFree() {
		requireFree("postgres", postgres);
		requireFree("redis", redis);
		requireFree("kafka", kafka);
		requireFree("kafka controller", kafkaController);
		requireFree("cassandra native", cassandraNative);
		requireFree("cassandra storage", cassandraStorage);
		requireFree("cassandra jmx", cassandraJmx);
	}

	private static void requireFree(String what, int port) {
		try (ServerSocket socket = new ServerSocket()) {
			socket.setReuseAddress(true);
			socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
		}
		catch (IOException ex) {
			throw new MissingPrerequisite("Port " + port + " (" + what + ") on 127.0.0.1 is already in use by "
					+ "another process. Is another Parley launcher running? Stop it, or free the port.");
		}
	}

	private static void closeQuietly(ServerSocket socket) {
		try {
			socket.close();
		}
		catch (IOException ignored) {
			// Nothing useful to do.
		}
	}

}
