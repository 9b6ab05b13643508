package io.raftlimiter.bench.floor;

import java.util.concurrent.CompletableFuture;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;

/**
 * A state machine that applies nothing: what is left of a Raft entry's cost on a node once the
 * rate limiter's own work is taken away (the log, its fsync, replication, the commit).
 */
final class NoOpStateMachine extends BaseStateMachine {
  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    TermIndex applied = TermIndex.valueOf(trx.getLogEntry());
    updateLastAppliedTermIndex(applied.getTerm(), applied.getIndex());
    return CompletableFuture.completedFuture(Message.EMPTY);
  }
}
