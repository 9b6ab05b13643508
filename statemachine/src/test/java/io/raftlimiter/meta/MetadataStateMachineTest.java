package io.raftlimiter.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.bucket.BucketLimit;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/** The metadata state machine never throws out of apply, whatever its listeners do. */
class MetadataStateMachineTest {
  private static final ClusterShape SHAPE =
      new ClusterShape(List.of("n1=127.0.0.1:1:2", "n2=127.0.0.1:3:4"), 8, 2);

  private static MetaOutcome apply(MetadataStateMachine machine, long index, MetaCommand command) {
    return MetaCodec.decodeOutcome(applyRaw(machine, index, command));
  }

  private static byte[] applyRaw(MetadataStateMachine machine, long index, MetaCommand command) {
    LogEntryProto entry = LogEntryProto.newBuilder().setTerm(1).setIndex(index)
        .setStateMachineLogEntry(StateMachineLogEntryProto.newBuilder()
            .setLogData(ByteString.copyFrom(MetaCodec.encode(command))))
        .build();
    TransactionContext trx = TransactionContext.newBuilder().setServerRole(RaftPeerRole.FOLLOWER)
        .setStateMachine(machine).setLogEntry(entry).build();
    Message reply = machine.applyTransaction(trx).join();
    return reply.getContent().toByteArray();
  }

  /**
   * Ratis keeps a write's reply in its retry cache on every replica for a minute: a reply that
   * carried the whole metadata made 2,000 rule changes of 500-byte prefixes hold a gigabyte
   * there and ran the nodes out of memory (the replay soak). It carries the version only.
   */
  @Test
  void aWritesReplyStaysSmallWhateverTheRules() {
    MetadataStateMachine machine = new MetadataStateMachine();
    String pad = "p".repeat(500);
    byte[] reply = null;
    for (int r = 1; r <= 1_000; r++) {
      reply = applyRaw(machine, r, new MetaCommand.SetRule(pad + r, BucketLimit.of(1, 1)));
    }
    assertEquals(1_000, machine.metadata().rules().size());
    assertTrue(reply.length < 64, "a reply of " + reply.length + " bytes");
    assertEquals(new MetaOutcome(null, 1_000), MetaCodec.decodeOutcome(reply));
  }

  @Test
  void aListenerThatThrowsDoesNotStopApply() {
    MetadataStateMachine machine = new MetadataStateMachine();
    AtomicInteger calls = new AtomicInteger();
    machine.onChange(metadata -> {
      if (calls.incrementAndGet() > 1) {
        throw new IllegalStateException("a listener's bug");
      }
    });

    MetaOutcome reply = apply(machine, 1, new MetaCommand.RecordShape(SHAPE));

    assertNull(reply.refusal());
    assertEquals(SHAPE, machine.metadata().shape(), "applied all the same");
    assertEquals(2, calls.get());
    assertEquals(1, machine.getLastAppliedTermIndex().getIndex());
  }

  private static RaftClientRequest write(MetaCommand command) {
    return RaftClientRequest.newBuilder()
        .setClientId(ClientId.randomId()).setServerId(RaftPeerId.valueOf("n1"))
        .setGroupId(RaftGroupId.randomId()).setCallId(1)
        .setMessage(Message.valueOf(ByteString.copyFrom(MetaCodec.encode(command))))
        .setType(RaftClientRequest.writeRequestType())
        .build();
  }

  @Test
  void anInvalidMemberIsRefusedBeforeItIsLogged() throws Exception {
    MetadataStateMachine machine = new MetadataStateMachine();

    TransactionContext trx =
        machine.startTransaction(write(new MetaCommand.AddMember("n3=host:1:99999")));

    assertTrue(trx.getException() != null, "refused in startTransaction");
    assertTrue(trx.getException().getMessage().contains("ports must be from 1 to 65535"),
        trx.getException().getMessage());
  }

  /** A rule apply is bound to refuse never reaches the log, fenced by the controller or not. */
  @Test
  void aRuleThatApplyWouldRefuseIsRefusedBeforeItIsLogged() throws Exception {
    MetadataStateMachine machine = new MetadataStateMachine();
    String tooLong = "k".repeat(MetaCommand.MAX_PREFIX_BYTES + 1);
    List<MetaCommand> refused = List.of(
        new MetaCommand.SetRule(tooLong, BucketLimit.of(1, 1)),
        new MetaCommand.Fenced(3, new MetaCommand.SetRule(tooLong, BucketLimit.of(1, 1))),
        new MetaCommand.RemoveRule(tooLong));

    for (MetaCommand command : refused) {
      TransactionContext trx = machine.startTransaction(write(command));

      assertTrue(trx.getException() instanceof IllegalArgumentException, command.toString());
      assertTrue(trx.getException().getMessage().contains("513 UTF-8 bytes"),
          trx.getException().getMessage());
    }
    assertNull(machine.startTransaction(write(new MetaCommand.SetRule("k", BucketLimit.of(1, 1))))
        .getException());
  }

  /** Nodes read the metadata every second: an unchanged version is not encoded again. */
  @Test
  void readsOfAnUnchangedVersionShareOneEncoding() {
    MetadataStateMachine machine = new MetadataStateMachine();
    apply(machine, 1, new MetaCommand.SetRule("tenant:", BucketLimit.of(1, 1)));

    Message first = machine.query(Message.EMPTY).join();
    Message second = machine.query(Message.EMPTY).join();
    apply(machine, 2, new MetaCommand.SetRule("other:", BucketLimit.of(1, 1)));
    Message changed = machine.query(Message.EMPTY).join();

    assertSame(first.getContent(), second.getContent());
    assertEquals(2, MetaCodec.decodeReply(changed.getContent().toByteArray()).metadata().version());
  }
}
