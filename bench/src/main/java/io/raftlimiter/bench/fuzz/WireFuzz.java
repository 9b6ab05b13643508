package io.raftlimiter.bench.fuzz;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.raftlimiter.api.admin.v1.ListLimitsRequest;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.api.v1.RateLimiterGrpc;
import io.raftlimiter.bench.cluster.ClusterSpec;
import io.raftlimiter.bench.cluster.ProcessCluster;
import io.raftlimiter.bench.cluster.Rlctl;
import io.raftlimiter.bench.measure.ProcStatus;
import io.raftlimiter.client.RateLimiterClient;
import io.raftlimiter.server.security.AdminTokenFile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * Sends seeded generated and mutated requests ({@link FuzzInputs}) over the wire to a cluster of
 * node processes started as {@code rlctl cluster up --tls} starts them (with its client
 * certificate; {@code --no-tls} for plaintext), as raw bytes, so that what no client library
 * would send reaches the nodes too. Then proposes generated and mutated log entries straight to
 * the Raft port as a peer with a node certificate would ({@link RaftEntryFuzz}). Then checks what
 * a correct cluster must show:
 * <ul>
 *   <li>every request invalid by construction ended {@code INVALID_ARGUMENT} with a message, and
 *       no request ended with any code but that or a decision;
 *   <li>no node died, each under a bounded heap ({@code --node-heap}), and each node's resident
 *       memory is reported every 100,000 requests;
 *   <li>invalid requests took nothing: the guarded buckets they named are still full;
 *   <li>invalid admin rules changed nothing: the metadata version moved only if some mutated
 *       rule was well-formed and set;
 *   <li>the cluster still decides exactly: a fresh bucket of 5 admits 5, then refuses;
 *   <li>every log entry was refused before the log or applied, every replica still applies,
 *       and the cluster still decides exactly after them;
 *   <li>on a node of its own ({@link HostileInputs}): a replayed request id under
 *       {@code limit.request-override=deny} takes one token however often it is sent and never
 *       runs under the caller's limit; {@code /healthz} answers while connections trickle, and
 *       they are cut off; an Envoy file of YAML alias bombs is refused at reload (the old limits
 *       kept) and at start.
 * </ul>
 * Exits 0 when all of that holds, 1 otherwise.
 */
@Command(name = "fuzz", mixinStandardHelpOptions = true,
    description = "Sends generated and mutated requests to a cluster of node processes, then "
        + "checks that none was mishandled and the cluster still decides exactly.")
public final class WireFuzz implements Runnable {
  @Option(names = "--requests", defaultValue = "1000000", description = "Requests to send.")
  long requests;

  @Option(names = "--seed", defaultValue = "2026", description = "The generator's seed.")
  long seed;

  @Option(names = "--nodes", defaultValue = "3", description = "Node processes to start.")
  int nodes;

  @Option(names = "--concurrency", defaultValue = "64", description = "Calls kept in flight.")
  int concurrency;

  @Option(names = "--node-heap", defaultValue = "512m",
      description = "Each node's -Xmx: a bounded heap turns a leak into a dead node.")
  String nodeHeap;

  @Option(names = "--tls", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Run the cluster with TLS (cluster up --tls; the default), the requests "
          + "sent with its client certificate; --no-tls for plaintext.")
  boolean tls;

  @Option(names = "--raft-entries", defaultValue = "100000", description = "Log entries to "
      + "propose straight to the Raft port afterwards, as a peer with a node certificate.")
  long raftEntries;

  @Option(names = "--hostile", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Afterwards, on a node of its own (limit.request-override=deny, an Envoy "
          + "file): replayed request ids, trickling HTTP connections and YAML alias bombs "
          + "(the default); --no-hostile skips them.")
  boolean hostile;

  @Option(names = "--rlctl", description = "The rlctl script (default: $BENCH_RLCTL, else "
      + "scripts/rlctl of this checkout).")
  Path rlctl;

  private int exitCode;

  public static void main(String[] args) {
    WireFuzz fuzz = new WireFuzz();
    int parsed = new CommandLine(fuzz).execute(args);
    System.exit(parsed != 0 ? parsed : fuzz.exitCode);
  }

  @Override
  public void run() {
    Path script = rlctl != null ? rlctl : System.getenv("BENCH_RLCTL") != null
        ? Path.of(System.getenv("BENCH_RLCTL")) : Rlctl.besideBench();
    // The operator's limit is as large as any the fuzz carries (the guarded buckets'), so that
    // under the shipped limit.request-override=lower-only every carried limit applies as sent.
    ClusterSpec spec = new ClusterSpec(nodes, 1, FuzzInputs.GUARD_CAPACITY, 50, Map.of(),
        "-Xmx" + nodeHeap, tls);
    System.out.printf("starting %d node processes with %s cluster up...%n", nodes, script);
    try {
      boolean held;
      try (ProcessCluster cluster = ProcessCluster.start(new Rlctl(script), spec, System.out)) {
        String token = Files.readString(cluster.directory().resolve("admin.token")).trim();
        held = fuzz(cluster.directory(), cluster.endpoints(), cluster.pids(), token);
      }
      if (hostile) {
        held &= HostileInputs.run(new Rlctl(script), nodeHeap, seed, System.out);
      }
      exitCode = held ? 0 : 1;
    } catch (IOException | InterruptedException e) {
      System.err.println("fuzz: " + e);
      exitCode = 1;
    }
  }

  /** Whether everything held. */
  private boolean fuzz(Path clusterDir, List<String> endpoints, List<Long> pids, String token)
      throws InterruptedException, IOException {
    ChannelCredentials credentials = clientCredentials(clusterDir);
    List<ManagedChannel> channels = new ArrayList<>();
    endpoints.forEach(e -> channels.add(Grpc.newChannelBuilder(e, credentials)
        .maxInboundMessageSize(64 << 20).build()));
    Metadata admin = AdminTokenFile.bearerHeaders(token);
    try {
      List<Long> rssBefore = rss(pids);
      long version = NodeAdminGrpc.newBlockingStub(channels.get(0))
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .listLimits(ListLimitsRequest.getDefaultInstance()).getVersion();
      Map<String, Map<String, LongAdder>> tally = new ConcurrentHashMap<>();
      ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
      Semaphore inFlight = new Semaphore(concurrency);
      FuzzInputs inputs = new FuzzInputs(seed);
      List<List<Long>> rssSeries = new ArrayList<>();
      long start = System.nanoTime();
      for (long i = 0; i < requests; i++) {
        FuzzInput input = inputs.next();
        inFlight.acquire();
        Channel channel = channels.get((int) (i % channels.size()));
        if (input.method().equals(FuzzInputs.SET_LIMIT)) {
          channel = ClientInterceptors.intercept(channel,
              MetadataUtils.newAttachHeadersInterceptor(admin));
        }
        Futures.addCallback(ClientCalls.futureUnaryCall(
            channel.newCall(raw(input.method()),
                CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)),
            input.bytes()), new FutureCallback<byte[]>() {
              @Override
              public void onSuccess(byte[] answer) {
                judge(input, Status.OK, tally, violations);
                inFlight.release();
              }

              @Override
              public void onFailure(Throwable error) {
                judge(input, Status.fromThrowable(error), tally, violations);
                inFlight.release();
              }
            }, MoreExecutors.directExecutor());
        if ((i + 1) % 100_000 == 0) {
          List<Long> now = rss(pids);
          rssSeries.add(now);
          System.out.printf("%,d sent, %.0f s, resident MiB %s%n", i + 1,
              (System.nanoTime() - start) / 1e9, mib(now));
        }
      }
      inFlight.acquire(concurrency);
      double seconds = (System.nanoTime() - start) / 1e9;
      List<Long> rssAfter = rss(pids);
      boolean alive = pids.stream().allMatch(pid -> ProcessHandle.of(pid)
          .map(ProcessHandle::isAlive).orElse(false));
      long versionAfter = NodeAdminGrpc.newBlockingStub(channels.get(0))
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .listLimits(ListLimitsRequest.getDefaultInstance()).getVersion();
      List<String> touched = guardsTouched(channels.get(0));
      boolean exact = decidesExactly(channels, "fz-after-");
      System.out.printf("proposing %,d log entries to the Raft port as a peer%s...%n", raftEntries,
          tls ? " with node n1's certificate" : " (plaintext)");
      long raftStart = System.nanoTime();
      RaftEntryFuzz.Result raft = RaftEntryFuzz.run(clusterDir, raftEntries, seed, concurrency,
          channels, System.out);
      double raftSeconds = (System.nanoTime() - raftStart) / 1e9;
      boolean aliveAfterRaft = pids.stream().allMatch(pid -> ProcessHandle.of(pid)
          .map(ProcessHandle::isAlive).orElse(false));
      boolean exactAfterRaft = decidesExactly(channels, "fz-after-raft-");

      System.out.printf("%n%,d requests in %.0f s (seed %d), %d node processes%n", requests,
          seconds, seed, nodes);
      System.out.println("| requests | answers |");
      System.out.println("|---|---|");
      new TreeMap<>(tally).forEach((kind, codes) -> System.out.printf("| %s | %s |%n", kind,
          new TreeMap<>(codes)));
      System.out.printf("violations: %d%s%n", violations.size(),
          violations.isEmpty() ? "" : " (first: " + violations.stream().limit(5).toList() + ")");
      System.out.printf("nodes alive: %s; resident memory before %s MiB, after %s MiB%n", alive,
          mib(rssBefore), mib(rssAfter));
      long rulesSet = tally.entrySet().stream().filter(e -> e.getKey().startsWith("admin "))
          .mapToLong(e -> e.getValue().getOrDefault("OK", new LongAdder()).sum()).sum();
      // Only admin garbage that happened to be a well-formed rule may change the metadata.
      boolean metadataKept = rulesSet == 0 ? versionAfter == version : versionAfter > version;
      System.out.printf("metadata version before %d, after %d, with %d mutated rules set: %s%n",
          version, versionAfter, rulesSet, metadataKept ? "as expected" : "NOT as expected");
      System.out.printf("guarded buckets touched: %d of %d%n", touched.size(),
          FuzzInputs.GUARD_KEYS);
      System.out.printf("a fresh bucket of 5 admitted exactly 5: %s%n", exact);
      System.out.printf("%n%,d Raft entries in %.0f s%n", raftEntries, raftSeconds);
      System.out.println("| entries | outcome |");
      System.out.println("|---|---|");
      new TreeMap<>(raft.tally()).forEach((kind, outcomes) -> System.out.printf("| %s | %s |%n",
          kind, new TreeMap<>(outcomes)));
      System.out.printf("violations: %d%s%n", raft.violations().size(),
          raft.violations().isEmpty() ? "" : " (first: " + raft.violations().stream().limit(5)
              .toList() + ")");
      System.out.printf("%s; nodes alive: %s; a fresh bucket of 5 admitted exactly 5: %s%n",
          raft.replicas(), aliveAfterRaft, exactAfterRaft);
      return violations.isEmpty() && alive && metadataKept && touched.isEmpty()
          && exact && raft.holds() && aliveAfterRaft && exactAfterRaft;
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
    }
  }

  /** Counts the answer to {@code input}, and notes it if a correct node would not give it. */
  private static void judge(FuzzInput input, Status status,
      Map<String, Map<String, LongAdder>> tally, ConcurrentLinkedQueue<String> violations) {
    String kind = (input.invalid() ? "invalid: " : "") + input.kind();
    tally.computeIfAbsent(kind, k -> new ConcurrentHashMap<>())
        .computeIfAbsent(status.getCode().name(), c -> new LongAdder()).increment();
    boolean refused = status.getCode() == Status.Code.INVALID_ARGUMENT;
    String description = status.getDescription();
    if (input.invalid() && !refused) {
      violations.add(kind + " answered " + status);
    } else if (input.valid() && status.getCode() != Status.Code.OK) {
      violations.add(kind + " answered " + status);
    } else if (refused && (description == null || description.isBlank())) {
      violations.add(kind + " refused without a message");
    } else if (!refused && status.getCode() != Status.Code.OK) {
      violations.add(kind + " answered " + status);
    }
  }

  /** The guarded keys whose bucket is not full any more (some invalid request took from it). */
  private static List<String> guardsTouched(Channel channel) {
    List<String> touched = new ArrayList<>();
    RateLimiterGrpc.RateLimiterBlockingStub stub = RateLimiterGrpc.newBlockingStub(channel);
    for (int g = 0; g < FuzzInputs.GUARD_KEYS; g++) {
      String key = FuzzInputs.guardKey(g);
      boolean full = stub.withDeadlineAfter(10, TimeUnit.SECONDS).acquire(guard(key,
          FuzzInputs.GUARD_CAPACITY)).getAllowed();
      if (!full) {
        touched.add(key);
      }
    }
    return touched;
  }

  private static AcquireRequest guard(String key, long permits) {
    return AcquireRequest.newBuilder().setKey(key).setPermits(permits)
        .setLimit(Limit.newBuilder().setCapacity(FuzzInputs.GUARD_CAPACITY)
            .setRefillPerSecond(0.001)).build();
  }

  /** A fresh bucket of 5, through every node in turn: 5 admitted, then refused. */
  private boolean decidesExactly(List<ManagedChannel> channels, String keyPrefix) {
    String key = keyPrefix + seed;
    int allowed = 0;
    for (int i = 0; i < 6; i++) {
      allowed += RateLimiterGrpc.newBlockingStub(channels.get(i % channels.size()))
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .acquire(AcquireRequest.newBuilder().setKey(key).setLimit(
              Limit.newBuilder().setCapacity(5).setRefillPerSecond(0.001)).build())
          .getAllowed() ? 1 : 0;
    }
    return allowed == 5;
  }

  /** The client certificate of a TLS cluster (D/tls/client), else plaintext. */
  private ChannelCredentials clientCredentials(Path clusterDir) {
    if (!tls) {
      return InsecureChannelCredentials.create();
    }
    Path dir = clusterDir.resolve("tls");
    return RateLimiterClient.tlsCredentials(dir.resolve("ca.crt"), dir.resolve("client.crt"),
        dir.resolve("client.key"));
  }

  private static List<Long> rss(List<Long> pids) throws IOException {
    List<Long> rss = new ArrayList<>();
    for (long pid : pids) {
      rss.add(ProcStatus.rssBytes(Files.readString(Path.of("/proc", Long.toString(pid),
          "status"), StandardCharsets.UTF_8)));
    }
    return rss;
  }

  private static List<Long> mib(List<Long> bytes) {
    return bytes.stream().map(b -> b >> 20).toList();
  }

  /** A unary method of any name that sends and receives raw bytes. */
  private static MethodDescriptor<byte[], byte[]> raw(String fullName) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(fullName)
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
  }

  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw Status.INTERNAL.withCause(e).asRuntimeException();
          }
        }
      };
}
