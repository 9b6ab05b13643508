package io.raftlimiter.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.raftlimiter.api.admin.v1.LimitRule;
import io.raftlimiter.api.admin.v1.ListLimitsRequest;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.SetLimitRequest;
import io.raftlimiter.api.peer.v1.ForwardRequest;
import io.raftlimiter.api.peer.v1.ForwarderGrpc;
import io.raftlimiter.api.peer.v1.NodeProbeGrpc;
import io.raftlimiter.api.peer.v1.ProbeRequest;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.api.v1.RateLimiterGrpc;
import io.raftlimiter.client.RateLimiterClient;
import io.raftlimiter.server.config.ClientAuth;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.data.ClusterGroups;
import io.raftlimiter.server.local.LocalCluster;
import io.raftlimiter.server.security.AdminTokenFile;
import io.raftlimiter.server.security.DevCertificates;
import io.raftlimiter.server.security.TlsFiles;
import io.raftlimiter.server.security.TlsMaterial;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A three-node cluster with mutual TLS ({@link DevCertificates}): every port refuses plaintext
 * and strangers' certificates; a client certificate decides but cannot change the cluster,
 * forward or probe a node as the control plane does; the admin certificate or token can change
 * the cluster; only a node certificate reaches the Raft port,
 * and even through it malformed entries are refused before the log; a reissued certificate is
 * served without a restart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@Tag("cluster")
class TlsClusterTest {
  private static final String TOKEN = "tls-test-token";

  private Path dir;
  private LocalCluster cluster;
  private DevCertificates ca;
  private TlsFiles node;
  private TlsFiles client;
  private TlsFiles admin;
  private TlsFiles stranger;

  @BeforeAll
  void startCluster(@TempDir Path tempDir) throws Exception {
    dir = tempDir;
    ca = DevCertificates.openOrCreate(dir.resolve("tls"));
    // One node certificate shared by the three in-process nodes (its name fits node-*).
    node = ca.issue("node-shared", DevCertificates.Use.NODE);
    client = ca.issue("client", DevCertificates.Use.CLIENT);
    admin = ca.issue("admin", DevCertificates.Use.CLIENT);
    stranger = DevCertificates.openOrCreate(dir.resolve("other-ca"))
        .issue("admin", DevCertificates.Use.CLIENT); // the right name, from the wrong authority
    Path tokenFile = dir.resolve("admin.token");
    Files.writeString(tokenFile, TOKEN + "\n");
    cluster = LocalCluster.start(3, dir.resolve("cluster"), b -> b
        .set(NodeConfigKeys.TLS_CERT_FILE, node.cert())
        .set(NodeConfigKeys.TLS_KEY_FILE, node.key())
        .set(NodeConfigKeys.TLS_CA_FILE, node.ca())
        .set(NodeConfigKeys.NODE_SUBJECTS, DevCertificates.NODE_SUBJECTS)
        .set(NodeConfigKeys.ADMIN_SUBJECTS, DevCertificates.subjectOf("admin"))
        .set(NodeConfigKeys.ADMIN_TOKEN_FILE, tokenFile)
        .set(NodeConfigKeys.TLS_RELOAD_INTERVAL_MS, 200));
    cluster.awaitLeaders(Duration.ofSeconds(60));
  }

  @AfterAll
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void plaintextIsRefusedOnTheClientPortAndTheRaftPort() throws Exception {
    for (int i = 0; i < cluster.size(); i++) {
      ManagedChannel channel = Grpc.newChannelBuilder(cluster.node(i).clientAddress(),
          InsecureChannelCredentials.create()).build();
      try {
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
            () -> RateLimiterGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .acquire(acquire("plain")));
        assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
      } finally {
        channel.shutdownNow();
      }
    }
    assertRaftPortRefuses(new Parameters(), "plaintext");
  }

  @Test
  void certificatesOfAnotherAuthorityOrNoneAreRefused() {
    ManagedChannel none = channel(0, tls(node.ca(), null, null));
    ManagedChannel foreign = channel(0, tls(node.ca(), stranger.cert(), stranger.key()));
    try {
      for (ManagedChannel channel : List.of(none, foreign)) {
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
            () -> RateLimiterGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .acquire(acquire("stranger")));
        assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode(),
            refused.getStatus().toString());
      }
    } finally {
      none.shutdownNow();
      foreign.shutdownNow();
    }
  }

  @Test
  void aClientCertificateDecidesButCannotChangeTheClusterForwardOrProbe() throws Exception {
    ManagedChannel channel = channel(1, tls(client.ca(), client.cert(), client.key()));
    try {
      AcquireResponse decided = RateLimiterGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS).acquire(acquire("client-key"));
      assertTrue(decided.getAllowed(), decided.toString());

      NodeAdminGrpc.NodeAdminBlockingStub adminStub = NodeAdminGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS);
      long version = adminStub.listLimits(ListLimitsRequest.getDefaultInstance()).getVersion();
      assertRefused(Status.Code.PERMISSION_DENIED, () -> adminStub.setLimit(rule("open:")));
      assertRefused(Status.Code.PERMISSION_DENIED, () -> ForwarderGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS).forward(ForwardRequest.getDefaultInstance()));
      // The control plane's question is for nodes; operators read NodeAdmin.Status.
      assertRefused(Status.Code.PERMISSION_DENIED, () -> NodeProbeGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS).probe(ProbeRequest.getDefaultInstance()));
      assertEquals(version, adminStub.listLimits(ListLimitsRequest.getDefaultInstance())
          .getVersion(), "a refused call changed the metadata");
    } finally {
      channel.shutdownNow();
    }
  }

  /**
   * A request_id names a request within its caller's ids: the same id from another certificate
   * is another request, charged on its own, not answered with the first caller's decision.
   */
  @Test
  void theSameRequestIdFromAnotherCertificateIsChargedOnItsOwn() {
    ManagedChannel asClient = channel(0, tls(client.ca(), client.cert(), client.key()));
    ManagedChannel asAdmin = channel(1, tls(admin.ca(), admin.cert(), admin.key()));
    try {
      AcquireRequest request = acquire("shared-id-key").toBuilder().setRequestId("order-17")
          .setLimit(Limit.newBuilder().setCapacity(1).setRefillPerSecond(0.001)).build();
      AcquireResponse first = RateLimiterGrpc.newBlockingStub(asClient)
          .withDeadlineAfter(10, TimeUnit.SECONDS).acquire(request);
      assertTrue(first.getAllowed() && !first.getReplayed(), first.toString());
      AcquireResponse retried = RateLimiterGrpc.newBlockingStub(asClient)
          .withDeadlineAfter(10, TimeUnit.SECONDS).acquire(request);
      assertTrue(retried.getAllowed() && retried.getReplayed(),
          "the caller's own retry is answered from its first decision: " + retried);
      AcquireResponse other = RateLimiterGrpc.newBlockingStub(asAdmin)
          .withDeadlineAfter(10, TimeUnit.SECONDS).acquire(request);
      assertFalse(other.getReplayed(), "another caller got the first caller's decision: " + other);
      assertFalse(other.getAllowed(), "the bucket of one token was charged once only: " + other);
    } finally {
      asClient.shutdownNow();
      asAdmin.shutdownNow();
    }
  }

  @Test
  void theAdminCertificateOrTheTokenChangesTheCluster() {
    ManagedChannel asAdmin = channel(2, tls(admin.ca(), admin.cert(), admin.key()));
    ManagedChannel asClient = channel(2, tls(client.ca(), client.cert(), client.key()));
    try {
      NodeAdminGrpc.newBlockingStub(asAdmin).withDeadlineAfter(10, TimeUnit.SECONDS)
          .setLimit(rule("by-certificate:"));
      NodeAdminGrpc.newBlockingStub(asClient).withDeadlineAfter(10, TimeUnit.SECONDS)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(
              AdminTokenFile.bearerHeaders(TOKEN)))
          .setLimit(rule("by-token:"));
      List<String> prefixes = NodeAdminGrpc.newBlockingStub(asClient)
          .withDeadlineAfter(10, TimeUnit.SECONDS).listLimits(ListLimitsRequest.getDefaultInstance())
          .getRulesList().stream().map(LimitRule::getPrefix).toList();
      assertTrue(prefixes.containsAll(List.of("by-certificate:", "by-token:")), prefixes.toString());
    } finally {
      asAdmin.shutdownNow();
      asClient.shutdownNow();
    }
  }

  @Test
  void onlyANodeCertificateReachesTheRaftPortAndMalformedEntriesStopBeforeTheLog()
      throws Exception {
    assertRaftPortRefuses(ratisTls(client), "a client certificate");
    assertRaftPortRefuses(ratisTls(admin), "the admin certificate");

    // A peer with a node certificate gets in, and its malformed entries are refused in
    // startTransaction, for the data group and the metadata group alike.
    Random random = new Random(12);
    int refusals = 0;
    for (RaftGroupId groupId :
        List.of(cluster.node(0).internals().groupId(), ClusterGroups.metaGroupId())) {
      try (RaftClient peer = raftClient(groupId, ratisTls(node))) {
        for (int i = 0; i < 200; i++) {
          byte[] garbage = new byte[1 + random.nextInt(64)];
          random.nextBytes(garbage);
          garbage[0] = (byte) (0xF0 | garbage[0]); // no codec version starts so
          try {
            RaftClientReply reply =
                peer.io().send(Message.valueOf(ByteString.copyFrom(garbage)));
            assertFalse(reply.isSuccess(), "a malformed entry was accepted into " + groupId);
          } catch (StateMachineException refused) {
            refusals++; // by startTransaction, before the log
          }
        }
      }
    }
    assertEquals(400, refusals);
    try (RateLimiterClient decider = RateLimiterClient.newBuilder()
        .endpoints(cluster.endpoints()).tls(client.ca(), client.cert(), client.key()).build()) {
      int allowed = 0;
      for (int i = 0; i < 8; i++) {
        allowed += decider.acquire(acquire("exact-after-garbage")).getAllowed() ? 1 : 0;
      }
      assertEquals(5, allowed, "the cluster no longer decides exactly");
    }
    for (int i = 0; i < cluster.size(); i++) {
      assertTrue(cluster.isRunning(i), "node " + i + " died");
    }
  }

  @Test
  void aReissuedNodeCertificateIsServedWithoutARestart() throws Exception {
    BigInteger before = serverCertificate(0).getSerialNumber();
    ca.issue("node-shared", DevCertificates.Use.NODE);
    BigInteger issued = certificateIn(node.cert()).getSerialNumber();
    assertNotEquals(before, issued);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!serverCertificate(0).getSerialNumber().equals(issued)) {
      if (System.nanoTime() > deadline) {
        fail("the node still serves certificate " + before + ", not the reissued " + issued);
      }
      Thread.sleep(100);
    }
    assertTrue(cluster.node(0).metrics().count(TlsMaterial.RELOADS_METRIC) > 0);
    try (RateLimiterClient decider = RateLimiterClient.newBuilder()
        .endpoints(cluster.endpoints()).tls(client.ca(), client.cert(), client.key()).build()) {
      assertTrue(decider.acquire(acquire("after-reload")).getAllowed());
    }
  }

  @Test
  void withOptionalClientAuthAClientWithoutACertificateDecidesButHasNoRole() throws Exception {
    try (LocalCluster single = LocalCluster.start(1, dir.resolve("optional"), b -> b
        .set(NodeConfigKeys.TLS_CERT_FILE, node.cert())
        .set(NodeConfigKeys.TLS_KEY_FILE, node.key())
        .set(NodeConfigKeys.TLS_CA_FILE, node.ca())
        .set(NodeConfigKeys.NODE_SUBJECTS, DevCertificates.NODE_SUBJECTS)
        .set(NodeConfigKeys.ADMIN_SUBJECTS, DevCertificates.subjectOf("admin"))
        .set(NodeConfigKeys.CLIENT_AUTH, ClientAuth.OPTIONAL)
        .set(NodeConfigKeys.HTTP_PORT, 0))) {
      single.awaitLeaders(Duration.ofSeconds(30));
      // HTTP/JSON over HTTPS: without a certificate too, as on the client port here.
      HttpResponse<String> json = httpsTrusting(node.ca()).send(HttpRequest.newBuilder(
              URI.create("https://127.0.0.1:" + single.node(0).httpPort() + "/v1/acquire"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"anonymous-json\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, json.statusCode(), json.body());
      ManagedChannel anonymous = Grpc.newChannelBuilder(single.node(0).clientAddress(),
          tls(node.ca(), null, null)).build();
      try {
        assertTrue(RateLimiterGrpc.newBlockingStub(anonymous).withDeadlineAfter(10,
            TimeUnit.SECONDS).acquire(acquire("anonymous")).getAllowed());
        assertRefused(Status.Code.UNAUTHENTICATED, () -> NodeAdminGrpc.newBlockingStub(anonymous)
            .withDeadlineAfter(10, TimeUnit.SECONDS).setLimit(rule("anonymous:")));
        assertRefused(Status.Code.UNAUTHENTICATED, () -> ForwarderGrpc.newBlockingStub(anonymous)
            .withDeadlineAfter(10, TimeUnit.SECONDS).forward(ForwardRequest.getDefaultInstance()));
      } finally {
        anonymous.shutdownNow();
      }
    }
  }

  /** An HTTPS client that trusts the authority in {@code caFile} and shows no certificate. */
  private static HttpClient httpsTrusting(Path caFile) throws Exception {
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    try (InputStream in = Files.newInputStream(caFile)) {
      trusted.setCertificateEntry("ca",
          CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  /** Neither a data group nor the metadata group (joining goes through it) takes the call. */
  private void assertRaftPortRefuses(Parameters parameters, String what) throws IOException {
    for (RaftGroupId groupId :
        List.of(cluster.node(0).internals().groupId(), ClusterGroups.metaGroupId())) {
      try (RaftClient stranger = raftClient(groupId, parameters)) {
        assertThrows(IOException.class,
            () -> stranger.io().send(Message.valueOf(ByteString.copyFromUtf8("x"))),
            "the Raft port of " + groupId + " took a request with " + what);
      }
    }
  }

  private RaftClient raftClient(RaftGroupId groupId, Parameters parameters) {
    RaftProperties properties = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties,
        TimeDuration.valueOf(3, TimeUnit.SECONDS));
    RaftGroup group = RaftGroup.valueOf(groupId, cluster.node(0).internals().groupPeers());
    return RaftClient.newBuilder().setRaftGroup(group).setProperties(properties)
        .setParameters(parameters)
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(5,
            TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)))
        .build();
  }

  private static Parameters ratisTls(TlsFiles files) {
    Parameters parameters = new Parameters();
    GrpcConfigKeys.TLS.setConf(parameters, new GrpcTlsConfig(files.key().toFile(),
        files.cert().toFile(), files.ca().toFile(), true));
    return parameters;
  }

  private ManagedChannel channel(int node, ChannelCredentials credentials) {
    return Grpc.newChannelBuilder(cluster.node(node).clientAddress(), credentials).build();
  }

  private static ChannelCredentials tls(Path caFile, Path certFile, Path keyFile) {
    return RateLimiterClient.tlsCredentials(caFile, certFile, keyFile);
  }

  /** The certificate node {@code index} presents to a new TLS connection right now. */
  private X509Certificate serverCertificate(int index) throws Exception {
    AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
    keys.updateIdentityCredentials(client.cert().toFile(), client.key().toFile());
    AdvancedTlsX509TrustManager trust = AdvancedTlsX509TrustManager.newBuilder()
        .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION)
        .build();
    trust.updateTrustCredentials(client.ca().toFile());
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(new javax.net.ssl.KeyManager[] {keys},
        new javax.net.ssl.TrustManager[] {trust}, null);
    String[] hostPort = cluster.node(index).clientAddress().split(":");
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory()
        .createSocket(hostPort[0], Integer.parseInt(hostPort[1]))) {
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setApplicationProtocols(new String[] {"h2"});
      socket.setSSLParameters(parameters);
      socket.startHandshake();
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  private static X509Certificate certificateIn(Path file) throws Exception {
    try (var in = Files.newInputStream(file)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  private static AcquireRequest acquire(String key) {
    return AcquireRequest.newBuilder().setKey(key)
        .setLimit(Limit.newBuilder().setCapacity(5).setRefillPerSecond(0.001)).build();
  }

  private static SetLimitRequest rule(String prefix) {
    return SetLimitRequest.newBuilder().setRule(LimitRule.newBuilder().setPrefix(prefix)
        .setCapacity(5).setRefillPerSecond(1)).build();
  }

  private static void assertRefused(Status.Code code, Runnable call) {
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(code, refused.getStatus().getCode(), refused.getStatus().toString());
  }
}
