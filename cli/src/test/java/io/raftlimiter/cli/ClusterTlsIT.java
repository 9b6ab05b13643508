package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.raftlimiter.cli.RlctlProcess.Run;
import io.raftlimiter.server.data.ClusterGroups;
import io.raftlimiter.server.security.DevCertificates;
import io.raftlimiter.server.security.TlsFiles;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rlctl cluster up --tls} as a user runs it, with node processes: the development CA and
 * certificates in {@code D/tls/}, plaintext and strangers refused on the client and Raft ports,
 * the client certificate deciding but not changing rules, the admin certificate (rlctl's own on
 * {@code --dir}) and the token changing them, and a node's certificate replaced while it runs
 * (one of another authority refused, a good one taken).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ClusterTlsIT {
  @TempDir Path work;
  private Path clusterDir;

  @AfterEach
  void stopEverything() throws Exception {
    RlctlProcess.downIfUp(clusterDir);
  }

  @Test
  void aTlsClusterAdmitsOnlyWhatItsCertificatesAllow() throws Exception {
    clusterDir = work.resolve("cluster");
    Run up = RlctlProcess.run("cluster", "up", "--tls", "--nodes", "3", "--dir",
        clusterDir.toString(), "--capacity", "3", "--refill", "0.001", "--jvm-opts", "-Xmx256m");
    assertEquals(0, up.exitCode(), up.out());

    Path tls = clusterDir.resolve("tls");
    assertEquals("rwx------", permissions(tls));
    for (String name : List.of("node-n1", "node-n2", "node-n3", "client", "admin", "ca")) {
      assertTrue(Files.exists(tls.resolve(name + ".crt")), name);
      assertEquals("rw-------", permissions(tls.resolve(name + ".key")), name);
    }
    List<String> lines = Files.readAllLines(clusterDir.resolve("endpoints"));
    assertEquals(3, lines.size(), lines.toString());
    List<String> addresses = lines.stream().map(line -> line.split(" ")[1]).toList();
    String[] asClient = {"--ca=" + tls.resolve("ca.crt"), "--cert=" + tls.resolve("client.crt"),
        "--key=" + tls.resolve("client.key")};
    String[] asAdmin = {"--ca=" + tls.resolve("ca.crt"), "--cert=" + tls.resolve("admin.crt"),
        "--key=" + tls.resolve("admin.key")};

    // Plaintext, no certificate, and another authority's certificate: refused.
    Run plaintext = RlctlProcess.run("acquire", "--target", addresses.get(0), "k");
    assertEquals(Rlctl.EXIT_UNAVAILABLE, plaintext.exitCode(), plaintext.out());
    Run noCertificate = RlctlProcess.run("acquire", "--target", addresses.get(0), "k",
        "--ca=" + tls.resolve("ca.crt"));
    assertEquals(Rlctl.EXIT_UNAVAILABLE, noCertificate.exitCode(), noCertificate.out());
    TlsFiles stranger = DevCertificates.openOrCreate(work.resolve("other-ca"))
        .issue("admin", DevCertificates.Use.CLIENT);
    Run foreign = RlctlProcess.run("acquire", "--target", addresses.get(0), "k",
        "--ca=" + tls.resolve("ca.crt"), "--cert=" + stranger.cert(), "--key=" + stranger.key());
    assertEquals(Rlctl.EXIT_UNAVAILABLE, foreign.exitCode(), foreign.out());
    ClusterLayout layout = ClusterLayout.load(clusterDir);
    assertRaftPortRefuses(layout, new Parameters(), "plaintext");
    assertRaftPortRefuses(layout, ratisTls(DevCertificates.openOrCreate(tls).files("client")),
        "the client certificate");

    // The client certificate decides, exactly, through every node.
    for (int i = 0; i < 3; i++) {
      Run allowed = RlctlProcess.run(concat(List.of("acquire", "--target", addresses.get(i),
          "user-1"), asClient));
      assertEquals(0, allowed.exitCode(), allowed.out());
    }
    Run rejected = RlctlProcess.run(concat(List.of("acquire", "--target", addresses.get(1),
        "user-1"), asClient));
    assertEquals(1, rejected.exitCode(), rejected.out());

    // Rules: the client certificate may read but not change them; the admin certificate
    // (rlctl's own with --dir, or given) and the token may.
    String anyNode = "--endpoints=" + addresses.get(2);
    Run denied = RlctlProcess.run(concat(List.of("limits", "set", "open:", "--capacity", "9",
        "--refill", "1", anyNode), asClient));
    assertEquals(1, denied.exitCode(), denied.out());
    assertTrue(denied.out().contains("PERMISSION_DENIED"), denied.out());
    Run byDir = RlctlProcess.run("limits", "set", "by-dir:", "--capacity", "2", "--refill", "1",
        "--dir=" + clusterDir);
    assertEquals(0, byDir.exitCode(), byDir.out());
    Run byCertificate = RlctlProcess.run(concat(List.of("limits", "set", "by-cert:",
        "--capacity", "2", "--refill", "1", anyNode), asAdmin));
    assertEquals(0, byCertificate.exitCode(), byCertificate.out());
    Run byToken = RlctlProcess.run(concat(List.of("limits", "set", "by-token:", "--capacity",
        "2", "--refill", "1", anyNode, "--admin-token-file=" + clusterDir.resolve("admin.token")),
        asClient));
    assertEquals(0, byToken.exitCode(), byToken.out());
    Run list = RlctlProcess.run(concat(List.of("limits", "list", anyNode), asClient));
    assertEquals(0, list.exitCode(), list.out());
    assertTrue(list.out().contains("by-dir:") && list.out().contains("by-cert:")
        && list.out().contains("by-token:") && !list.out().contains("open:"), list.out());
    Run status = RlctlProcess.run("cluster", "status", "--dir=" + clusterDir);
    assertEquals(0, status.exitCode(), status.out());
    assertTrue(status.out().contains("3 of 3 nodes up"), status.out());

    // The HTTP listener runs HTTPS with the node's certificate: metrics and health for anyone
    // who trusts the authority, decisions only with a client certificate.
    String n1Http = "https://" + Files.readAllLines(clusterDir.resolve("http-endpoints")).get(0)
        .split(" ")[1];
    TlsFiles clientFiles = DevCertificates.openOrCreate(tls).files("client");
    HttpClient anonymous = https(clientFiles, null);
    HttpClient withCertificate = https(clientFiles, clientFiles);
    assertEquals(200, anonymous.send(HttpRequest.newBuilder(URI.create(n1Http + "/readyz"))
        .build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    assertThrows(IOException.class, () -> HttpClient.newHttpClient().send(HttpRequest
        .newBuilder(URI.create(n1Http.replace("https:", "http:") + "/metrics"))
        .timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString()), "plain HTTP on the TLS listener");
    HttpRequest decide = HttpRequest.newBuilder(URI.create(n1Http + "/v1/acquire"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"https-1\"}")).build();
    HttpResponse<String> refused = anonymous.send(decide, HttpResponse.BodyHandlers.ofString());
    assertEquals(401, refused.statusCode(), refused.body());
    HttpClient foreignClient = https(clientFiles, stranger);
    assertThrows(IOException.class, () -> foreignClient.send(decide,
        HttpResponse.BodyHandlers.ofString()), "another authority's certificate");
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> answer = withCertificate.send(decide,
          HttpResponse.BodyHandlers.ofString());
      assertEquals(i < 3 ? 200 : 429, answer.statusCode(), "call " + i + ": " + answer.body());
    }

    // n1's certificate is replaced while it runs: first by one of another authority, which it
    // refuses to load (the other nodes would refuse it) while it keeps serving, then by a good
    // one, which it takes: both without a restart.
    long n1Pid = Long.parseLong(lines.get(0).split(" ")[2]);
    TlsFiles foreignNode = DevCertificates.openOrCreate(work.resolve("other-ca"))
        .issue("node-n1", DevCertificates.Use.NODE);
    TlsFiles n1 = DevCertificates.openOrCreate(tls).files("node-n1");
    replace(n1, foreignNode);
    awaitMetric(anonymous, n1Http, "raftlimiter_security_tls_reload_failures_total", 1);
    Run stillServing = RlctlProcess.run(concat(List.of("acquire", "--target", addresses.get(0),
        "reload-probe"), asClient));
    assertEquals(0, stillServing.exitCode(), "n1 kept its good certificate: "
        + stillServing.out());
    DevCertificates.openOrCreate(tls).issue("node-n1", DevCertificates.Use.NODE, "127.0.0.1");
    awaitMetric(anonymous, n1Http, "raftlimiter_security_tls_reloads_total", 1);
    Run afterReload = RlctlProcess.run(concat(List.of("acquire", "--target", addresses.get(0),
        "reload-probe"), asClient));
    assertEquals(0, afterReload.exitCode(), afterReload.out());
    assertTrue(ProcessHandle.of(n1Pid).map(ProcessHandle::isAlive).orElse(false),
        "n1 was restarted");
    assertNotEquals(Files.readString(foreignNode.cert()), Files.readString(n1.cert()));
  }

  /** Waits up to 30 s until {@code series} on {@code httpBase}/metrics is at least {@code min}. */
  private static void awaitMetric(HttpClient http, String httpBase, String series, double min)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      last = http.send(HttpRequest.newBuilder(URI.create(httpBase + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(last);
      if (m.find() && Double.parseDouble(m.group(1)) >= min) {
        return;
      }
      Thread.sleep(500);
    }
    fail(series + " never reached " + min + " on " + httpBase + ":\n" + last);
  }

  /**
   * An HTTPS client trusting {@code trustFrom}'s authority and showing {@code identity}'s
   * certificate, or none when it is null.
   */
  private static HttpClient https(TlsFiles trustFrom, TlsFiles identity) throws Exception {
    TlsFiles.Loaded loaded = trustFrom.load();
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    for (int i = 0; i < loaded.trusted().length; i++) {
      trusted.setCertificateEntry("ca-" + i, loaded.trusted()[i]);
    }
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    KeyManager[] keys = null;
    if (identity != null) {
      TlsFiles.Loaded shown = identity.load();
      KeyStore own = KeyStore.getInstance("PKCS12");
      own.load(null, null);
      own.setKeyEntry("client", shown.key(), new char[0], shown.chain());
      KeyManagerFactory factory =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      factory.init(own, new char[0]);
      keys = factory.getKeyManagers();
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys, trust.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  private static void replace(TlsFiles target, TlsFiles source) throws IOException {
    Files.copy(source.key(), target.key(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.copy(source.cert(), target.cert(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static void assertRaftPortRefuses(ClusterLayout layout, Parameters parameters,
      String what) throws IOException {
    RaftProperties properties = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties,
        TimeDuration.valueOf(3, TimeUnit.SECONDS));
    RaftGroup group = ClusterGroups.metaGroup(layout.peers());
    try (RaftClient stranger = RaftClient.newBuilder().setRaftGroup(group)
        .setProperties(properties).setParameters(parameters)
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(3,
            TimeDuration.valueOf(200, TimeUnit.MILLISECONDS))).build()) {
      assertThrows(IOException.class, () -> stranger.io().send(Message.valueOf("x")),
          "the Raft port took a request with " + what);
    }
  }

  private static Parameters ratisTls(TlsFiles files) {
    Parameters parameters = new Parameters();
    GrpcConfigKeys.TLS.setConf(parameters, new GrpcTlsConfig(files.key().toFile(),
        files.cert().toFile(), files.ca().toFile(), true));
    return parameters;
  }

  private static String permissions(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }

  private static String[] concat(List<String> first, String... more) {
    List<String> all = new java.util.ArrayList<>(first);
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }
}
