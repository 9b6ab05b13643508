package io.raftlimiter.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP forwarder in front of one node's Raft port, for tests: the other nodes dial the port the
 * cluster's layout gives that node, where this listens, and it forwards to the port the node
 * really listens on. {@link #isolate()} cuts every connection and black-holes new ones (accepted,
 * never answered, as behind a partition that drops packets) until {@link #heal()}.
 */
final class RaftPortProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int targetPort;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private volatile boolean isolated;
  private volatile boolean closed;

  RaftPortProxy(int listenPort, int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.listener = new ServerSocket();
    listener.setReuseAddress(true);
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort));
    Thread acceptor = new Thread(this::accept, "raft-port-proxy-" + listenPort);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Cuts every connection through the proxy; new ones hang until {@link #heal()}. */
  void isolate() {
    isolated = true;
    closeOpen();
  }

  /** Forwards again; connections made while isolated are cut, so their dialers dial afresh. */
  void heal() {
    isolated = false;
    closeOpen();
  }

  private void accept() {
    while (!closed) {
      try {
        Socket inbound = listener.accept();
        open.add(inbound);
        if (isolated) {
          continue; // held open and never read: a black hole
        }
        Socket outbound = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        open.add(outbound);
        pump(inbound, outbound);
        pump(outbound, inbound);
      } catch (IOException e) {
        // the listener closed, or the node is down right now: the dialer retries
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread pump = new Thread(() -> {
      byte[] buffer = new byte[16 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // cut by isolate() or by either end
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "raft-port-proxy-pump");
    pump.setDaemon(true);
    pump.start();
  }

  private void closeOpen() {
    for (Socket socket : open) {
      closeQuietly(socket);
    }
    open.clear();
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() {
    closed = true;
    closeQuietly(listener);
    closeOpen();
  }

  private static void closeQuietly(ServerSocket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // already closed
    }
  }
}
