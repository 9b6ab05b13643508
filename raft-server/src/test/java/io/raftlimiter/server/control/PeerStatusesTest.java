package io.raftlimiter.server.control;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.util.concurrent.Futures;
import io.grpc.Channel;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.raftlimiter.api.peer.v1.ProbeReply;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A round keeps the answers, in the nodes' order, and leaves out a node whose probe failed. */
class PeerStatusesTest {
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
  }

  @Test
  void theAnswersAreKeptInOrderAndAFailedProbeIsLeftOut() throws Exception {
    Map<String, ManagedChannel> nodes = new LinkedHashMap<>();
    for (String id : List.of("n3", "n1", "n2")) {
      ManagedChannel channel = InProcessChannelBuilder.forName("unused-" + id).build();
      channels.add(channel);
      nodes.put(id, channel);
    }
    Map<Channel, String> ids = new LinkedHashMap<>();
    nodes.forEach((id, channel) -> ids.put(channel, id));
    Set<Deadline> deadlines = new HashSet<>();
    PeerProbe probe = (node, deadline) -> {
      deadlines.add(deadline);
      String id = ids.get(node);
      return id.equals("n1")
          ? Futures.immediateFailedFuture(Status.UNAVAILABLE.asRuntimeException())
          : Futures.immediateFuture(ProbeReply.newBuilder().setNodeId(id).build());
    };

    Map<String, ProbeReply> answered = PeerStatuses.ask(probe, nodes, 1_000);

    assertEquals(List.of("n3", "n2"), List.copyOf(answered.keySet()));
    assertEquals("n2", answered.get("n2").getNodeId());
    assertEquals(1, deadlines.size(), "one deadline for the whole round: " + deadlines);
    long left = deadlines.iterator().next().timeRemaining(TimeUnit.MILLISECONDS);
    assertEquals(true, left > 0 && left <= 1_000, left + " ms left");
  }
}
