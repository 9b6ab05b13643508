package io.raftlimiter.cli;

import io.raftlimiter.server.config.PeerAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * {@code D/http-endpoints}: one line per node, {@code <node-id> <host:port>}, where it serves
 * {@code /metrics}, {@code /healthz} and {@code /readyz}; beside {@code D/endpoints}, which keeps
 * its format. Written whole to a temp file and moved into place.
 */
final class HttpEndpointsFile {
  static final String FILE = "http-endpoints";

  private HttpEndpointsFile() {}

  static void write(Path dir, ClusterLayout layout) throws IOException {
    StringBuilder text = new StringBuilder();
    for (PeerAddress peer : layout.peers()) {
      if (!layout.httpPorts().containsKey(peer.id())) {
        continue; // a cluster made before nodes had one, not brought up since
      }
      text.append(peer.id()).append(' ').append(layout.httpAddress(peer)).append('\n');
    }
    Path temp = dir.resolve(FILE + ".tmp");
    Files.writeString(temp, text);
    Files.move(temp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }
}
