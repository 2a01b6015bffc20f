package io.parley.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay between a test client and a server, to stage the network failures a phone meets:
 * {@link #holdReplies()} swallows everything the server sends (a PUBACK that never arrives),
 * {@link #freeze()} stops forwarding both ways while the sockets stay open (a silent, half-dead
 * client), and {@link #cut()} drops every connection at once with a TCP reset, without any goodbye.
 * New connections after {@link #cut()} are relayed normally again.
 */
public final class TcpRelay implements AutoCloseable {

	private final ServerSocket listener;
	private final int target;
	private final List<Socket> sockets = new CopyOnWriteArrayList<>();
	private volatile boolean holdReplies;
	private volatile boolean frozen;

	public TcpRelay(int target) throws IOException {
		this.target = target;
		this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		Thread acceptor = new Thread(this::accept, "tcp-relay-" + listener.getLocalPort());
		acceptor.setDaemon(true);
		acceptor.start();
	}

	public int port() {
		return listener.getLocalPort();
	}

	public void holdReplies() {
		holdReplies = true;
	}

	public void freeze() {
		frozen = true;
	}

	/** Resets every relayed connection (RST, no FIN) and relays new ones normally. */
	public void cut() {
		for (Socket socket : sockets) {
			try {
				socket.setSoLinger(true, 0);
				socket.close();
			}
			catch (IOException ignored) {
				// already closed
			}
		}
		sockets.clear();
		holdReplies = false;
		frozen = false;
	}

	private void accept() {
		while (!listener.isClosed()) {
			try {
				Socket client = listener.accept();
				Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
				sockets.add(client);
				sockets.add(server);
				pump(client, server, false);
				pump(server, client, true);
			}
			catch (IOException e) {
				return;
			}
		}
	}

	private void pump(Socket from, Socket to, boolean replies) {
		Thread thread = new Thread(() -> {
			byte[] buffer = new byte[8192];
			try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
				int n;
				while ((n = in.read(buffer)) >= 0) {
					while (frozen) {
						Thread.sleep(20); // hold the bytes: nothing moves while frozen
					}
					if (replies && holdReplies) {
						continue;
					}
					out.write(buffer, 0, n);
					out.flush();
				}
			}
			catch (IOException | InterruptedException e) {
				// the other side is gone
			}
			finally {
				try {
					to.close();
				}
				catch (IOException ignored) {
					// already closed
				}
			}
		}, "tcp-relay-pump");
		thread.setDaemon(true);
		thread.start();
	}

	@Override
	public void close() throws IOException {
		cut();
		listener.close();
	}
}
