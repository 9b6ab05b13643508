package io.raftlimiter.server.config;

import java.util.ArrayList;
import java.util.List;
import io.raftlimiter.meta.MemberSpec;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A cluster member: its id, and where its Raft and client (gRPC) ports listen. Written as
 * {@code id=host:raftPort:clientPort}.
 */
public record PeerAddress(String id, String host, int raftPort, int clientPort) {
  private static final Pattern FORM = MemberSpec.FORM;

  public PeerAddress {
    if (raftPort < 1 || raftPort > 65535 || clientPort < 1 || clientPort > 65535) {
      throw new ConfigException("peer " + id + ": ports must be from 1 to 65535");
    }
  }

  public String raftAddress() {
    return host + ":" + raftPort;
  }

  public String clientAddress() {
    return host + ":" + clientPort;
  }

  public static PeerAddress parse(String text) {
    Matcher m = FORM.matcher(text.trim());
    if (!m.matches()) {
      throw new ConfigException(NodeConfigKeys.PEERS.name() + ": '" + text
          + "' is not valid; allowed: id=host:raftPort:clientPort");
    }
    try {
      return new PeerAddress(m.group(1), m.group(2), Integer.parseInt(m.group(3)),
          Integer.parseInt(m.group(4)));
    } catch (NumberFormatException e) {
      throw new ConfigException(NodeConfigKeys.PEERS.name() + ": bad port in '" + text + "'");
    }
  }

  /** Parses a comma-separated list; ids must be unique. */
  public static List<PeerAddress> parseList(String text) {
    List<PeerAddress> peers = new ArrayList<>();
    for (String part : text.split(",")) {
      if (!part.isBlank()) {
        PeerAddress peer = parse(part);
        if (peers.stream().anyMatch(p -> p.id().equals(peer.id()))) {
          throw new ConfigException(NodeConfigKeys.PEERS.name() + ": duplicate id " + peer.id());
        }
        peers.add(peer);
      }
    }
    return peers;
  }

  public static String format(List<PeerAddress> peers) {
    StringBuilder out = new StringBuilder();
    for (PeerAddress p : peers) {
      out.append(out.length() == 0 ? "" : ",")
          .append(p.id()).append('=').append(p.host()).append(':').append(p.raftPort())
          .append(':').append(p.clientPort());
    }
    return out.toString();
  }
}
