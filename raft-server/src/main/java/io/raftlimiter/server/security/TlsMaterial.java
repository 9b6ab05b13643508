package io.raftlimiter.server.security;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager.SslSocketAndEnginePeerVerifier;
import io.grpc.util.AdvancedTlsX509TrustManager.Verification;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.raftlimiter.server.config.SubjectPatterns;
import io.raftlimiter.server.runtime.DaemonThreads;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's TLS identity and trust, read from PEM files and read again when they change, so that
 * certificates rotate without a restart: every handshake after a reload uses the new ones (open
 * connections keep theirs). Files that fail to load, or a key that does not match its
 * certificate, keep the last good material in use; the failure is logged and counted.
 *
 * <p>Two trust managers share the authority: {@link #anyClient()} admits any certificate it
 * signed (data-plane and admin clients), {@link #nodesOnly()} only those whose subject is in
 * {@code security.node-subjects}, for the Raft port and for calls between nodes, so that a
 * client's certificate cannot join a group or append to one. Both check host names of servers.
 */
public final class TlsMaterial implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TlsMaterial.class);
  public static final String RELOADS_METRIC = "raftlimiter_security_tls_reloads";
  public static final String RELOAD_FAILURES_METRIC = "raftlimiter_security_tls_reload_failures";

  private final TlsFiles files;
  private final AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
  private final AdvancedTlsX509TrustManager anyClient;
  private final AdvancedTlsX509TrustManager nodesOnly;
  private final CounterDataPoint reloads;
  private final CounterDataPoint reloadFailures;
  private final ScheduledExecutorService timer;
  private List<Object> loadedStamp;

  private TlsMaterial(TlsFiles files, SubjectPatterns nodeSubjects, CounterDataPoint reloads,
      CounterDataPoint reloadFailures, long reloadIntervalMillis, CounterDataPoint taskFailures)
      throws IOException {
    this.files = files;
    this.reloads = reloads;
    this.reloadFailures = reloadFailures;
    try {
      this.anyClient = AdvancedTlsX509TrustManager.newBuilder()
          .setVerification(Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION).build();
      this.nodesOnly = AdvancedTlsX509TrustManager.newBuilder()
          .setVerification(Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION)
          .setSslSocketAndEnginePeerVerifier(new NodeSubjectCheck(nodeSubjects)).build();
    } catch (CertificateException e) {
      throw new IOException("cannot set up TLS trust: " + e, e);
    }
    loadedStamp = files.stamp();
    install(files.load());
    if (reloadIntervalMillis > 0) {
      this.timer = DaemonThreads.timer("tls-reload");
      DaemonThreads.every(timer, "tls-reload", reloadIntervalMillis, reloadIntervalMillis,
          TimeUnit.MILLISECONDS, taskFailures, this::reloadIfChanged);
    } else {
      this.timer = null;
    }
  }

  /**
   * Loads {@code files} and, with a positive interval, looks for changes that often.
   *
   * @throws IOException when the files cannot be loaded (a node must not start without them)
   */
  public static TlsMaterial open(TlsFiles files, SubjectPatterns nodeSubjects,
      long reloadIntervalMillis, CounterDataPoint reloads, CounterDataPoint reloadFailures, CounterDataPoint taskFailures)
      throws IOException {
    return new TlsMaterial(files, nodeSubjects, reloads, reloadFailures, reloadIntervalMillis,
        taskFailures);
  }

  public AdvancedTlsX509KeyManager keys() {
    return keys;
  }

  public AdvancedTlsX509TrustManager anyClient() {
    return anyClient;
  }

  public AdvancedTlsX509TrustManager nodesOnly() {
    return nodesOnly;
  }

  /** Reads the files again if they changed since the last load; true if it installed them. */
  public synchronized boolean reloadIfChanged() {
    List<Object> stamp;
    TlsFiles.Loaded loaded;
    try {
      stamp = files.stamp();
      if (stamp.equals(loadedStamp)) {
        return false;
      }
      loaded = files.load();
    } catch (IOException e) {
      reloadFailures.inc();
      LOG.error("TLS files changed but cannot be loaded; the previous certificates stay in use: "
          + "{}", e.getMessage());
      return false;
    }
    try {
      install(loaded);
    } catch (IOException e) {
      reloadFailures.inc();
      LOG.error("cannot install the new TLS material; the previous stays in use: {}",
          e.getMessage());
      return false;
    }
    loadedStamp = stamp;
    reloads.inc();
    LOG.info("TLS material reloaded: certificate {} (subject {}, valid until {})", files.cert(),
        loaded.chain()[0].getSubjectX500Principal(), loaded.chain()[0].getNotAfter());
    return true;
  }

  private void install(TlsFiles.Loaded loaded) throws IOException {
    try {
      anyClient.updateTrustCredentials(loaded.trusted());
      nodesOnly.updateTrustCredentials(loaded.trusted());
    } catch (GeneralSecurityException e) {
      throw new IOException("the authority in " + files.ca() + " cannot be trusted: " + e, e);
    }
    keys.updateIdentityCredentials(loaded.chain(), loaded.key());
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }

  /** Refuses a peer whose certificate (already checked against the authority) is no node's. */
  private record NodeSubjectCheck(SubjectPatterns nodeSubjects)
      implements SslSocketAndEnginePeerVerifier {
    @Override
    public void verifyPeerCertificate(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      check(chain);
    }

    @Override
    public void verifyPeerCertificate(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      check(chain);
    }

    private void check(X509Certificate[] chain) throws CertificateException {
      if (chain == null || chain.length == 0
          || !nodeSubjects.matches(chain[0].getSubjectX500Principal())) {
        throw new CertificateException("the peer's certificate subject "
            + (chain == null || chain.length == 0 ? "(none)" : chain[0].getSubjectX500Principal())
            + " is not a node's (security.node-subjects: " + nodeSubjects + ")");
      }
    }
  }
}
