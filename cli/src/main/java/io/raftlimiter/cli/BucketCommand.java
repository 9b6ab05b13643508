package io.raftlimiter.cli;

import io.raftlimiter.api.admin.v1.BucketReport;
import io.raftlimiter.api.admin.v1.GetBucketRequest;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.ResetBucketRequest;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** One key's bucket: look at it without taking a token, or fill it again. */
@Command(name = "bucket", mixinStandardHelpOptions = true,
    header = "Look at one key's bucket, or reset it.",
    description = {"Both go through the log of the group that owns the key. The bucket is the",
        "group's: tokens a LEASED node holds, or EVENTUAL hits not yet synced, are not in it.",
        "Exit code 0: done; 2: invalid; 1: refused (e.g. no admin role); 3: unavailable."},
    subcommands = {BucketCommand.Get.class, BucketCommand.Reset.class})
final class BucketCommand {

  /** A command on one key's bucket: one admin call, its report shown. */
  abstract static class OnKey implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "KEY", description = "The key (1 to 512 UTF-8 bytes).")
    String key;

    @Mixin LimitsCommand.Target target;

    abstract BucketReport send(NodeAdminGrpc.NodeAdminBlockingStub admin);

    @Override
    public Integer call() {
      target.checkOutput();
      BucketReport report;
      try {
        report = target.ask(this::send);
      } catch (LimitsCommand.Target.CallFailed e) {
        return e.exitCode;
      }
      show(report, target.output.equals("json"));
      return 0;
    }
  }

  @Command(name = "get", mixinStandardHelpOptions = true,
      description = "The bucket of KEY now: tokens left, when the next one comes, its limit.")
  static final class Get extends OnKey {
    @Override
    BucketReport send(NodeAdminGrpc.NodeAdminBlockingStub admin) {
      return admin.getBucket(GetBucketRequest.newBuilder().setKey(key).build());
    }
  }

  @Command(name = "reset", mixinStandardHelpOptions = true,
      description = {"Fill the bucket of KEY to its capacity again, forgiving what it owes.",
          "Tokens out on LEASED leases stay out. Needs the admin role; recorded in the audit",
          "log of the node that takes it."})
  static final class Reset extends OnKey {
    @Override
    BucketReport send(NodeAdminGrpc.NodeAdminBlockingStub admin) {
      return admin.resetBucket(ResetBucketRequest.newBuilder().setKey(key).build());
    }
  }

  private static void show(BucketReport report, boolean json) {
    if (json) {
      System.out.println(Json.of(report));
      return;
    }
    System.out.printf(Locale.ROOT, "key        %s%n", report.getKey());
    System.out.printf(Locale.ROOT, "remaining  %d token(s)%s%n", report.getRemaining(),
        report.getRetryAfterMillis() == 0 ? ""
            : ", a whole one in " + report.getRetryAfterMillis() + " ms");
    System.out.printf(Locale.ROOT, "limit      capacity %d, refill %s/s, %s%n",
        report.getCapacity(), report.getRefillPerSecond(), report.getHasRule()
            ? "rule '" + report.getRulePrefix() + "'" : "the node's default (no rule matches)");
    System.out.printf(Locale.ROOT, "group      %d%n", report.getGroup());
  }
}
