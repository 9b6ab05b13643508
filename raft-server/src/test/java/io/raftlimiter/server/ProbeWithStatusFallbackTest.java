package io.raftlimiter.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.BindableService;
import io.grpc.Channel;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.raftlimiter.api.admin.v1.GroupStatus;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.api.admin.v1.StatusRequest;
import io.raftlimiter.api.peer.v1.NodeProbeGrpc;
import io.raftlimiter.api.peer.v1.ProbeReply;
import io.raftlimiter.api.peer.v1.ProbeRequest;
import io.raftlimiter.api.peer.v1.Replica;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * In a rolling upgrade a node not yet upgraded answers the probe UNIMPLEMENTED; it is read from
 * its status instead, so the controller does not take it for dead. Nothing else falls back: a
 * node that serves the probe, or refuses it for another reason, is never asked its status.
 */
class ProbeWithStatusFallbackTest {
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final AtomicInteger statusCalls = new AtomicInteger();

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    servers.forEach(Server::shutdownNow);
  }

  @Test
  void aNodeThatServesTheProbeIsAskedNothingElse() throws Exception {
    ProbeReply answer = ProbeReply.newBuilder().setNodeId("n2").setStorageId("new").build();

    ProbeReply reply = probe(node(probeAnswering(answer), status(oldNode())));

    assertEquals(answer, reply);
    assertEquals(0, statusCalls.get());
  }

  @Test
  void aNodeOfTheVersionBeforeIsReadFromItsStatus() throws Exception {
    ProbeReply reply = probe(node(status(oldNode())));

    assertEquals(1, statusCalls.get());
    assertEquals("n2", reply.getNodeId());
    assertEquals("disk-2", reply.getStorageId());
    assertTrue(reply.getStorageReused());
    assertEquals(List.of("n1=h:1:2", "n2=h:3:4"), reply.getClusterPeersList());
    assertEquals(Map.of("n1", "disk-1"), reply.getMemberStorageIdsMap());
    assertEquals(86_400_000, reply.getUptimeMillis());
    assertEquals(4, reply.getReplicasCount(), reply.toString());
    Replica metadata = reply.getReplicas(0);
    assertTrue(metadata.hasMetadataGroup(), metadata.toString());
    assertEquals(Replica.Role.FOLLOWER, metadata.getRole());
    assertEquals(List.of("n1", "n2", "n3"), metadata.getPeerIdsList());
    Replica leader = reply.getReplicas(1);
    assertEquals(0, leader.getDataGroup());
    assertEquals(Replica.Role.LEADER, leader.getRole());
    assertEquals(6, leader.getTerm());
    assertEquals(17, leader.getConfigurationIndex());
    assertEquals(List.of("n1", "n2"), leader.getPeerIdsList());
    assertEquals(List.of("n3"), leader.getPreviousPeerIdsList());
    assertEquals(2, reply.getReplicas(2).getDataGroup());
    assertEquals(Replica.Role.FAILED, reply.getReplicas(2).getRole());
    assertEquals(Replica.Role.UNKNOWN, reply.getReplicas(3).getRole(), "a role not typed");
  }

  @Test
  void aProbeRefusedForAnotherReasonIsNoAnswer() {
    BindableService refusing = new NodeProbeGrpc.NodeProbeImplBase() {
      @Override
      public void probe(ProbeRequest request, StreamObserver<ProbeReply> observer) {
        observer.onError(Status.PERMISSION_DENIED.asRuntimeException());
      }
    };
    Channel node = node(refusing, status(oldNode()));

    ExecutionException failed = assertThrows(ExecutionException.class, () -> probe(node));

    assertEquals(Status.Code.PERMISSION_DENIED, code(failed));
    assertEquals(0, statusCalls.get());
  }

  @Test
  void aNodeThatServesNeitherDoesNotAnswer() {
    ExecutionException failed = assertThrows(ExecutionException.class, () -> probe(node()));

    assertEquals(Status.Code.UNIMPLEMENTED, code(failed));
  }

  @Test
  void aNodeWithoutAMetadataReplicaReportsNone() throws Exception {
    ProbeReply reply = probe(node(status(oldNode().toBuilder().clearMetadataGroup().build())));

    assertFalse(reply.getReplicasList().stream().anyMatch(Replica::hasMetadataGroup));
    assertEquals(3, reply.getReplicasCount());
  }

  private static NodeStatus oldNode() {
    return NodeStatus.newBuilder()
        .setNodeId("n2")
        .setStorageId("disk-2")
        .setStorageReused(true)
        .addAllClusterPeers(List.of("n1=h:1:2", "n2=h:3:4"))
        .putMemberStorageIds("n1", "disk-1")
        .setUptimeMillis(86_400_000)
        .setDecisionsAllowed(99) // what only operators read
        .setMetadataGroup(GroupStatus.newBuilder().setIndex(-1).setRole("FOLLOWER").setTerm(3)
            .addAllPeerIds(List.of("n1", "n2", "n3")))
        .addGroups(GroupStatus.newBuilder().setIndex(0).setRole("LEADER").setTerm(6)
            .setConfigurationIndex(17).addAllPeerIds(List.of("n1", "n2")).addPreviousPeerIds("n3")
            .setLeaderId("n2"))
        .addGroups(GroupStatus.newBuilder().setIndex(2).setRole("FAILED").setTerm(4))
        .addGroups(GroupStatus.newBuilder().setIndex(3).setRole("SOMETHING_NEW"))
        .build();
  }

  private ProbeReply probe(Channel node) throws Exception {
    return new ProbeWithStatusFallback().probe(node, Deadline.after(10, TimeUnit.SECONDS))
        .get(10, TimeUnit.SECONDS);
  }

  private static Status.Code code(ExecutionException failed) {
    return assertInstanceOf(StatusRuntimeException.class, failed.getCause()).getStatus()
        .getCode();
  }

  private static BindableService probeAnswering(ProbeReply reply) {
    return new NodeProbeGrpc.NodeProbeImplBase() {
      @Override
      public void probe(ProbeRequest request, StreamObserver<ProbeReply> observer) {
        observer.onNext(reply);
        observer.onCompleted();
      }
    };
  }

  private BindableService status(NodeStatus status) {
    return new NodeAdminGrpc.NodeAdminImplBase() {
      @Override
      public void status(StatusRequest request, StreamObserver<NodeStatus> observer) {
        statusCalls.incrementAndGet();
        observer.onNext(status);
        observer.onCompleted();
      }
    };
  }

  /** A node serving {@code services} alone, and a channel to it. */
  private Channel node(BindableService... services) {
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder builder = InProcessServerBuilder.forName(name).directExecutor();
    for (BindableService service : services) {
      builder.addService(service);
    }
    try {
      servers.add(builder.build().start());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    channels.add(channel);
    return channel;
  }
}
