package io.raftlimiter.cli;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.raftlimiter.client.RateLimiterClient;
import io.raftlimiter.server.config.PeerAddress;
import io.raftlimiter.server.security.DevCertificates;
import io.raftlimiter.server.security.TlsFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * TLS for a cluster of {@code rlctl cluster up --tls}: a development CA and certificates in
 * {@code D/tls/} ({@code ca.crt}; {@code node-<id>.crt/.key}; {@code client.crt/.key} for the
 * data plane; {@code admin.crt/.key} for the admin role), the node settings that use them, and
 * the credentials rlctl connects with, which on such a directory are the admin certificate's.
 */
final class ClusterTls {
  static final String DIR = "tls";
  static final String CLIENT = "client";
  static final String ADMIN = "admin";

  private ClusterTls() {}

  static Path dir(Path clusterDir) {
    return clusterDir.resolve(DIR);
  }

  /** Whether the cluster in {@code clusterDir} runs with TLS. */
  static boolean enabled(Path clusterDir) {
    return Files.exists(dir(clusterDir).resolve(DevCertificates.CA + ".crt"));
  }

  /**
   * Makes the CA and the client and admin certificates, and returns the settings every node of
   * the cluster shares.
   */
  static Map<String, String> create(Path clusterDir) throws IOException {
    DevCertificates ca = DevCertificates.openOrCreate(dir(clusterDir));
    ca.issueIfAbsent(CLIENT, DevCertificates.Use.CLIENT);
    ca.issueIfAbsent(ADMIN, DevCertificates.Use.CLIENT);
    return Map.of(
        "security.tls-ca-file", ca.caFile().toAbsolutePath().toString(),
        "security.node-subjects", DevCertificates.NODE_SUBJECTS,
        "security.admin-subjects", DevCertificates.subjectOf(ADMIN));
  }

  /** The settings naming {@code peer}'s certificate, issued now if it has none yet. */
  static Map<String, String> nodeSettings(Path clusterDir, PeerAddress peer) throws IOException {
    TlsFiles files = DevCertificates.openOrCreate(dir(clusterDir))
        .issueIfAbsent("node-" + peer.id(), DevCertificates.Use.NODE, peer.host());
    return Map.of(
        "security.tls-cert-file", files.cert().toAbsolutePath().toString(),
        "security.tls-key-file", files.key().toAbsolutePath().toString());
  }

  /**
   * What a node of a cluster made without {@code --tls} is started with so that it starts at
   * all: its nodes listen on 127.0.0.1 only, so running without TLS is a choice rlctl makes for
   * the user and says so ({@link #insecureNote}); the admin token still guards admin calls.
   */
  static final Map<String, String> INSECURE_ON_LOOPBACK = Map.of("security.allow-insecure", "true");

  /** What {@code cluster up} prints when the cluster in {@code clusterDir} runs without TLS. */
  static String insecureNote(Path clusterDir) {
    return "rlctl: note: no --tls: the nodes run with security.allow-insecure=true (plaintext on "
        + "127.0.0.1 only; the admin token in " + clusterDir.resolve(AdminToken.FILE)
        + " still guards the calls that change the cluster); use --tls on a new --dir for TLS";
  }

  /** What rlctl connects to the cluster in {@code clusterDir} with: the admin certificate. */
  static ChannelCredentials adminCredentials(Path clusterDir) {
    if (!enabled(clusterDir)) {
      return InsecureChannelCredentials.create();
    }
    Path tls = dir(clusterDir);
    return credentials(tls.resolve(DevCertificates.CA + ".crt"), tls.resolve(ADMIN + ".crt"),
        tls.resolve(ADMIN + ".key"));
  }

  /** TLS trusting {@code caFile}, presenting {@code certFile} (may be null: no certificate). */
  static ChannelCredentials credentials(Path caFile, Path certFile, Path keyFile) {
    if ((certFile == null) != (keyFile == null)) {
      throw new UsageException("--cert and --key go together");
    }
    try {
      return RateLimiterClient.tlsCredentials(caFile, certFile, keyFile);
    } catch (UncheckedIOException e) {
      throw new UsageException(e.getMessage());
    }
  }
}
