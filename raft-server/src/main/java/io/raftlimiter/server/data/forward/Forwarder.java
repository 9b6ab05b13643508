package io.raftlimiter.server.data.forward;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.server.data.commit.AdmissionBound;
import io.raftlimiter.server.data.commit.Coalescer;
import io.raftlimiter.server.data.commit.Linger;
import io.raftlimiter.server.security.NodeTransport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's links to the other nodes, one per client address, made on first use and kept: see
 * {@link ForwardLink}. Responses are handled on the transport's threads (a direct executor): the
 * handling only completes futures.
 */
public final class Forwarder implements AutoCloseable {
  private final NodeTransport transport;
  private final long timeoutMillis;
  private final int maxOpsPerCall;
  private final int maxInFlight;
  private final int pipelineThreshold;
  private final Linger linger;
  private final AdmissionBound admission;
  private final Map<String, ForwardLink> links = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * @param timeoutMillis how long a forwarded op may take, a little over the leader's own request
   *     timeout so that the leader's answer (decided or UNAVAILABLE) normally comes first
   * @param maxInFlight batches of forwarded ops in flight per other node (a call per group in
   *     each); ops queue behind them, and a freed slot takes them at once
   */
  public Forwarder(long timeoutMillis, int maxOpsPerCall, int maxInFlight,
      NodeTransport transport) {
    this(timeoutMillis, maxOpsPerCall, maxInFlight, 1, Linger.NONE, AdmissionBound.NONE,
        transport);
  }

  /**
   * @param pipelineThreshold ops that must wait before a further call goes beside those in
   *     flight, as for the group commit's entries ({@code batch.pipeline-threshold})
   * @param linger when a link holds its next call back after a large one ({@link Linger})
   * @param admission what callers may queue on each link before their acquires are shed
   */
  public Forwarder(long timeoutMillis, int maxOpsPerCall, int maxInFlight, int pipelineThreshold,
      Linger linger, AdmissionBound admission, NodeTransport transport) {
    this.linger = linger;
    this.admission = admission;
    this.transport = transport;
    this.timeoutMillis = timeoutMillis;
    this.maxOpsPerCall = maxOpsPerCall;
    this.maxInFlight = maxInFlight;
    this.pipelineThreshold = pipelineThreshold;
  }

  /**
   * Hands {@code ops} of {@code group} to the node serving clients at {@code clientAddress} (the
   * group's leader as far as this node knows), to travel together. Never throws; see
   * {@link ForwardLink} for the outcomes.
   */
  public List<CompletableFuture<Decision>> forwardAll(String clientAddress, int group,
      List<BucketOp> ops, long deadlineNanos) {
    ForwardLink link = null;
    RuntimeException refusal = null;
    if (closed) {
      refusal = new ForwardRefusedException("node shutting down");
    } else {
      try {
        link = links.computeIfAbsent(clientAddress, this::open);
      } catch (RuntimeException e) {
        refusal = new ForwardRefusedException("cannot reach " + clientAddress + ": " + e);
      }
    }
    if (link == null) {
      List<CompletableFuture<Decision>> refused = new ArrayList<>(ops.size());
      for (int i = 0; i < ops.size(); i++) {
        refused.add(CompletableFuture.failedFuture(refusal));
      }
      return refused;
    }
    return link.forwardAll(group, ops, deadlineNanos);
  }

  private ForwardLink open(String address) {
    ManagedChannel channel = NettyChannelBuilder.forTarget(address, transport.toNodes())
        .directExecutor()
        .maxInboundMessageSize(16 << 20)
        .build();
    return new ForwardLink(address, channel, timeoutMillis, maxOpsPerCall, maxInFlight,
        pipelineThreshold, linger, admission);
  }

  /** The holds of the calls to every node so far, for metrics. */
  public Coalescer.Holds holds() {
    Coalescer.Holds sum = Coalescer.Holds.NONE;
    for (ForwardLink link : links.values()) {
      sum = sum.plus(link.holds());
    }
    return sum;
  }

  @Override
  public void close() {
    closed = true;
    links.values().forEach(link -> {
      link.close();
      link.channel().shutdownNow();
    });
    links.clear();
  }
}
