package io.raftlimiter.server.api;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.raftlimiter.api.admin.v1.BucketReport;
import io.raftlimiter.api.admin.v1.ClusterView;
import io.raftlimiter.api.admin.v1.DrainReply;
import io.raftlimiter.api.admin.v1.DrainRequest;
import io.raftlimiter.api.admin.v1.GetBucketRequest;
import io.raftlimiter.api.admin.v1.LimitRule;
import io.raftlimiter.api.admin.v1.LimitRules;
import io.raftlimiter.api.admin.v1.ListLimitsRequest;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.api.admin.v1.RemoveLimitRequest;
import io.raftlimiter.api.admin.v1.ReplaceLimitsRequest;
import io.raftlimiter.api.admin.v1.ResetBucketRequest;
import io.raftlimiter.api.admin.v1.SetLimitRequest;
import io.raftlimiter.api.admin.v1.StatusRequest;
import io.raftlimiter.api.admin.v1.ViewRequest;
import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.meta.ClusterMetadata;
import io.raftlimiter.meta.MetaCommand;
import io.raftlimiter.meta.MetaReply;
import io.raftlimiter.meta.RuleDiff;
import io.raftlimiter.server.ops.AuditLog;
import io.raftlimiter.server.security.AdminCaller;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Answers {@code rlctl}'s questions about this node, clients' about group leaders, changes to
 * the limit rules, and an operator's look at one bucket or reset of it. Handlers never block:
 * changes answer when the metadata group, or the key's group, does. Every change asked, made or
 * refused, gets a line in the {@link AuditLog}.
 */
public final class NodeAdminService extends NodeAdminGrpc.NodeAdminImplBase {
  private final Supplier<NodeStatus> status;
  private final Supplier<ClusterView> view;
  private final LimitAdmin limits;
  private final MemberAdmin members;
  private final BucketOperations buckets;
  private final AuditLog audit;

  public NodeAdminService(Supplier<NodeStatus> status, Supplier<ClusterView> view,
      LimitAdmin limits, MemberAdmin members, BucketOperations buckets, AuditLog audit) {
    this.status = status;
    this.view = view;
    this.limits = limits;
    this.members = members;
    this.buckets = buckets;
    this.audit = audit;
  }

  @Override
  public void drain(DrainRequest request, StreamObserver<DrainReply> observer) {
    Change change = new Change("drain", request.getNodeId(), "member", "leaving");
    CompletableFuture<MetaReply> pending;
    try {
      pending = members.drain(request.getNodeId());
    } catch (IllegalArgumentException e) {
      change.refused(e.getMessage());
      observer.onError(Status.FAILED_PRECONDITION.withDescription(e.getMessage())
          .asRuntimeException());
      return;
    }
    pending.whenComplete((reply, error) -> {
      if (error != null) {
        change.refused("the metadata group did not answer: " + error);
        observer.onError(Status.UNAVAILABLE
            .withDescription("the metadata group did not answer: " + error).asRuntimeException());
      } else if (reply.refused()) {
        change.refused(reply.refusal());
        observer.onError(Status.FAILED_PRECONDITION.withDescription(reply.refusal())
            .asRuntimeException());
      } else {
        change.done();
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
    Change change = new Change("limits.set", quoted(rule.getPrefix()),
        describe(limits.current(), rule.getPrefix()), describe(rule));
    BucketLimit limit;
    try {
      if (!request.hasRule()) {
        throw new InvalidRequestException("rule is required");
      }
      RuleSets.checkPrefix(rule.getPrefix());
      limit = RuleSets.limitOf(rule);
    } catch (InvalidRequestException e) {
      change.refused(e.getMessage());
      observer.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    reply(observer, () -> limits.setRule(rule.getPrefix(), limit, rule.getShadow()), change);
  }

  @Override
  public void removeLimit(RemoveLimitRequest request, StreamObserver<LimitRules> observer) {
    Change change = new Change("limits.remove", quoted(request.getPrefix()),
        describe(limits.current(), request.getPrefix()), "none");
    reply(observer, () -> limits.removeRule(request.getPrefix()), change);
  }

  @Override
  public void listLimits(ListLimitsRequest request, StreamObserver<LimitRules> observer) {
    reply(observer, limits::rules, null);
  }

  @Override
  public void replaceLimits(ReplaceLimitsRequest request, StreamObserver<LimitRules> observer) {
    io.raftlimiter.meta.LimitRules before = limits.current();
    io.raftlimiter.meta.LimitRules rules;
    try {
      if (request.getExpectedDigest().length() > MetaCommand.ReplaceRules.DIGEST_CHARS) {
        throw new InvalidRequestException("expected_digest is a SHA-256 in hex, at most "
            + MetaCommand.ReplaceRules.DIGEST_CHARS + " characters");
      }
      rules = RuleSets.fromProto(request.getRulesList());
    } catch (InvalidRequestException e) {
      new Change("limits.replace", "all rules", summary(before), "").refused(e.getMessage());
      observer.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    Change change = new Change("limits.replace", "all rules", summary(before),
        summary(rules) + ": " + RuleDiff.between(before, rules));
    reply(observer, () -> limits.replaceRules(rules, request.getExpectedDigest()), change);
  }

  @Override
  public void getBucket(GetBucketRequest request, StreamObserver<BucketReport> observer) {
    bucket(observer, () -> buckets.look(request.getKey()), null);
  }

  @Override
  public void resetBucket(ResetBucketRequest request, StreamObserver<BucketReport> observer) {
    bucket(observer, () -> buckets.reset(request.getKey()),
        new Change("bucket.reset", quoted(request.getKey()), "", "full"));
  }

  /** A call on one bucket, answered when the key's group has applied it. */
  private static void bucket(StreamObserver<BucketReport> observer, BucketCall call,
      Change change) {
    CompletableFuture<BucketReport> pending;
    try {
      pending = call.submit();
    } catch (InvalidRequestException e) {
      if (change != null) {
        change.refused(e.getMessage());
      }
      observer.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    } catch (RuntimeException e) {
      pending = CompletableFuture.failedFuture(e);
    }
    pending.whenComplete((report, error) -> {
      if (error != null) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null
            ? error.getCause() : error;
        // a look takes nothing and a reset is the same done twice: either may simply be retried
        Status status = Status.UNAVAILABLE.withDescription(
            "the key's group did not answer: " + cause);
        if (change != null) {
          change.refused(status.getCode() + ": " + status.getDescription());
        }
        observer.onError(status.asRuntimeException());
      } else {
        if (change != null) {
          change.done("full: " + report.getRemaining() + " tokens");
        }
        observer.onNext(report);
        observer.onCompleted();
      }
    });
  }

  @FunctionalInterface
  private interface BucketCall {
    CompletableFuture<BucketReport> submit() throws InvalidRequestException;
  }

  /** One change an operator asked for, recorded once its outcome is known. */
  private final class Change {
    private final String caller = AdminCaller.current(); // the call's context: read it now
    private final String action;
    private final String target;
    private final String before;
    private final String after;

    Change(String action, String target, String before, String after) {
      this.action = action;
      this.target = target;
      this.before = before;
      this.after = after;
    }

    void done() {
      done(after);
    }

    void done(String actually) {
      audit.record(caller, action, target, before, actually, "ok");
    }

    void refused(String why) {
      audit.record(caller, action, target, before, after, "refused: " + why);
    }
  }

  private static String quoted(String value) {
    return '"' + value + '"';
  }

  private static String describe(io.raftlimiter.meta.LimitRules rules, String prefix) {
    BucketLimit limit = rules.asMap().get(prefix);
    return limit == null ? "none"
        : RuleDiff.describe(limit, rules.shadowedPrefixes().contains(prefix));
  }

  private static String describe(LimitRule rule) {
    return RuleDiff.describe(rule.getCapacity(), rule.getRefillPerSecond(), rule.getShadow());
  }

  private static String summary(io.raftlimiter.meta.LimitRules rules) {
    return rules.size() + " rules, digest " + rules.digest();
  }

  private static void reply(StreamObserver<LimitRules> observer,
      Supplier<CompletableFuture<MetaReply>> call, Change change) {
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
        if (change != null) {
          change.refused("the metadata group did not answer: " + cause);
        }
        observer.onError(Status.UNAVAILABLE
            .withDescription("the metadata group did not answer: " + cause).asRuntimeException());
      } else if (reply.refused()) {
        if (change != null) {
          change.refused(reply.refusal());
        }
        Status status = reply.refusal().startsWith(ClusterMetadata.NO_SUCH_RULE) ? Status.NOT_FOUND
            : reply.refusal().startsWith(ClusterMetadata.RULE_SET_FULL) ? Status.INVALID_ARGUMENT
            : Status.FAILED_PRECONDITION;
        observer.onError(status.withDescription(reply.refusal()).asRuntimeException());
      } else {
        if (change != null) {
          change.done();
        }
        observer.onNext(toProto(reply.metadata()));
        observer.onCompleted();
      }
    });
  }

  private static LimitRules toProto(ClusterMetadata metadata) {
    return LimitRules.newBuilder().setVersion(metadata.version())
        .setDigest(metadata.rules().digest())
        .addAllRules(RuleSets.toProto(metadata.rules())).build();
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
