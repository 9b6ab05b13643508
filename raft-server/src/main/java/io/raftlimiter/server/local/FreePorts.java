package io.raftlimiter.server.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Picks ports the OS reports free on 127.0.0.1. Raft peers must know each other's ports before
 * they start, so a port is chosen, released and bound again by the node a moment later.
 */
public final class FreePorts {
  private static final Set<Integer> handedOut = new HashSet<>();

  private FreePorts() {}

  /** A free loopback port, never one this JVM handed out before. */
  public static synchronized int next() {
    for (int attempt = 0; attempt < 100; attempt++) {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        socket.setReuseAddress(true);
        int port = socket.getLocalPort();
        if (handedOut.add(port)) {
          return port;
        }
      } catch (IOException e) {
        throw new UncheckedIOException("no free port on 127.0.0.1", e);
      }
    }
    throw new IllegalStateException("no fresh free port after 100 attempts");
  }
}
