package io.raftlimiter.cli;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** How rlctl connects: plaintext, or TLS with {@code --ca} (and a certificate to present). */
final class TlsOptions {
  @Option(names = "--ca", paramLabel = "FILE", description = "Connect with TLS, trusting the "
      + "PEM authority in FILE. With --dir of a 'cluster up --tls' cluster: D/tls/ca.crt.")
  Path caFile;

  @Option(names = "--cert", paramLabel = "FILE", description = "PEM client certificate to "
      + "present (with --key). With --dir of a TLS cluster: D/tls/admin.crt.")
  Path certFile;

  @Option(names = "--key", paramLabel = "FILE", description = "PEM (PKCS#8) key of --cert.")
  Path keyFile;

  /**
   * The credentials these options ask for; without {@code --ca}, those of the cluster directory
   * {@code clusterDir} (null when there is none), else plaintext.
   */
  ChannelCredentials credentials(Path clusterDir) {
    if (caFile != null) {
      return ClusterTls.credentials(caFile, certFile, keyFile);
    }
    if (certFile != null || keyFile != null) {
      throw new UsageException("--cert and --key need --ca (the authority to trust)");
    }
    return clusterDir != null ? ClusterTls.adminCredentials(clusterDir)
        : InsecureChannelCredentials.create();
  }
}
