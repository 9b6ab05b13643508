package io.raftlimiter.server.api;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.raftlimiter.api.admin.v1.ClusterView;
import io.raftlimiter.api.admin.v1.DrainReply;
import io.raftlimiter.api.admin.v1.DrainRequest;
import io.raftlimiter.api.admin.v1.LimitRule;
import io.raftlimiter.api.admin.v1.LimitRules;
import io.raftlimiter.api.admin.v1.ListLimitsRequest;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.api.admin.v1.RemoveLimitRequest;
import io.raftlimiter.api.admin.v1.SetLimitRequest;
import io.raftlimiter.api.admin.v1.StatusRequest;
import io.raftlimiter.api.admin.v1.ViewRequest;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.meta.ClusterMetadata;
import io.raftlimiter.meta.MetaReply;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Answers {@code rlctl}'s questions about this node, clients' about group leaders, and changes
 * to the limit rules. Handlers never block: rule changes answer when the metadata group does.
 */
public final class NodeAdminService extends NodeAdminGrpc.NodeAdminImplBase {
  private final Supplier<NodeStatus> status;
  private final Supplier<ClusterView> view;
  private final LimitAdmin limits;
  private final MemberAdmin members;

  public NodeAdminService(Supplier<NodeStatus> status, Supplier<ClusterView> view,
      LimitAdmin limits, MemberAdmin members) {
    this.status = status;
    this.view = view;
    this.limits = limits;
    this.members = members;
  }

  @Override
  public void drain(DrainRequest request, StreamObserver<DrainReply> observer) {
    CompletableFuture<MetaReply> pending;
    try {
      pending = members.drain(request.getNodeId());
    } catch (IllegalArgumentException e) {
      observer.onError(Status.FAILED_PRECONDITION.withDescription(e.getMessage())
          .asRuntimeException());
      return;
    }
    pending.whenComplete((reply, error) -> {
      if (error != null) {
        observer.onError(Status.UNAVAILABLE
            .withDescription("the metadata group did not answer: " + error).asRuntimeException());
      } else if (reply.refused()) {
        observer.onError(Status.FAILED_PRECONDITION.withDescription(reply.refusal())
            .asRuntimeException());
      } else {
        observer.onNext(DrainReply.newBuilder().setVersion(reply.metadata().version())
            .addAllMembers(reply.metadata().memberIds())
            .addAllLeaving(reply.metadata().membership().leaving()).build());
        observer.onCompleted();
      }
    });
  }

  @Override
  public void status(StatusRequest request, StreamObserver<NodeStatus> observer) {
    answer(observer, status, "status");
  }

  @Override
  public void view(ViewRequest request, StreamObserver<ClusterView> observer) {
    answer(observer, view, "view");
  }

  @Override
  public void setLimit(SetLimitRequest request, StreamObserver<LimitRules> observer) {
    LimitRule rule = request.getRule();
    BucketLimit limit;
    try {
      if (!request.hasRule()) {
        throw new InvalidRequestException("rule is required");
      }
      String invalidPrefix = ClusterMetadata.invalidPrefix(rule.getPrefix());
      if (invalidPrefix != null) {
        throw new InvalidRequestException(invalidPrefix);
      }
      limit = RequestValidator.limit(Limit.newBuilder().setCapacity(rule.getCapacity())
          .setRefillPerSecond(rule.getRefillPerSecond()).build());
    } catch (InvalidRequestException e) {
      observer.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    reply(observer, () -> limits.setRule(rule.getPrefix(), limit, rule.getShadow()));
  }

  @Override
  public void removeLimit(RemoveLimitRequest request, StreamObserver<LimitRules> observer) {
    reply(observer, () -> limits.removeRule(request.getPrefix()));
  }

  @Override
  public void listLimits(ListLimitsRequest request, StreamObserver<LimitRules> observer) {
    reply(observer, limits::rules);
  }

  private static void reply(StreamObserver<LimitRules> observer,
      Supplier<CompletableFuture<MetaReply>> call) {
    CompletableFuture<MetaReply> pending;
    try {
      pending = call.get();
    } catch (RuntimeException e) {
      pending = CompletableFuture.failedFuture(e);
    }
    pending.whenComplete((reply, error) -> {
      if (error != null) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null
            ? error.getCause() : error;
        observer.onError(Status.UNAVAILABLE
            .withDescription("the metadata group did not answer: " + cause).asRuntimeException());
      } else if (reply.refused()) {
        Status status = reply.refusal().startsWith(ClusterMetadata.NO_SUCH_RULE) ? Status.NOT_FOUND
            : reply.refusal().startsWith(ClusterMetadata.RULE_SET_FULL) ? Status.INVALID_ARGUMENT
            : Status.FAILED_PRECONDITION;
        observer.onError(status.withDescription(reply.refusal()).asRuntimeException());
      } else {
        observer.onNext(toProto(reply.metadata()));
        observer.onCompleted();
      }
    });
  }

  private static LimitRules toProto(ClusterMetadata metadata) {
    LimitRules.Builder rules = LimitRules.newBuilder().setVersion(metadata.version());
    for (Map.Entry<String, BucketLimit> rule : metadata.rules().asMap().entrySet()) {
      rules.addRules(LimitRule.newBuilder().setPrefix(rule.getKey())
          .setCapacity(rule.getValue().capacity())
          .setRefillPerSecond(rule.getValue().refillPerSecond())
          .setShadow(metadata.rules().shadowedPrefixes().contains(rule.getKey())));
    }
    return rules.build();
  }

  private static <T> void answer(StreamObserver<T> observer, Supplier<T> source, String what) {
    T current;
    try {
      current = source.get();
    } catch (RuntimeException e) {
      observer.onError(
          Status.UNAVAILABLE.withDescription(what + " unavailable: " + e).asRuntimeException());
      return;
    }
    observer.onNext(current);
    observer.onCompleted();
  }
}
