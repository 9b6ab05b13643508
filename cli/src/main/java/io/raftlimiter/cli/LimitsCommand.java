package io.raftlimiter.cli;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.raftlimiter.api.admin.v1.LimitRule;
import io.raftlimiter.api.admin.v1.LimitRules;
import io.raftlimiter.api.admin.v1.ListLimitsRequest;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.RemoveLimitRequest;
import io.raftlimiter.api.admin.v1.ReplaceLimitsRequest;
import io.raftlimiter.api.admin.v1.SetLimitRequest;
import io.raftlimiter.meta.RuleDiff;
import io.raftlimiter.server.api.InvalidRequestException;
import io.raftlimiter.server.api.RuleSets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The cluster's limit rules by key prefix, kept in its metadata group. */
@Command(name = "limits", mixinStandardHelpOptions = true,
    header = "Set, list, remove, export and apply limit rules by key prefix.",
    description = {"Limit rules by key prefix: a key without a limit in its request runs under the",
        "longest matching prefix's rule; the empty prefix '' is the cluster default.",
        "Exit code 0: done; 1: refused (e.g. no such rule); 2: invalid; 3: cluster unavailable."},
    subcommands = {LimitsCommand.Set.class, LimitsCommand.ListRules.class,
        LimitsCommand.Remove.class, LimitsCommand.Export.class, LimitsCommand.Apply.class})
final class LimitsCommand {

  /** Which nodes to ask ({@link ClusterTarget}), and how. */
  static final class Target {
    @Mixin ClusterTarget cluster;

    @Option(names = "--timeout-ms", defaultValue = "10000", description = "Deadline of the call.")
    long timeoutMillis;

    @Option(names = {"-o", "--output"}, defaultValue = "table",
        description = "table (default) or json (as the admin API answers).")
    String output;

    List<String> addresses() {
      try {
        return cluster.addresses();
      } catch (IOException e) {
        throw new UsageException("cannot read the cluster's endpoints: " + e.getMessage());
      }
    }

    /** Sends the call to each node in turn and prints the rules the first answer holds. */
    int call(Function<NodeAdminGrpc.NodeAdminBlockingStub, LimitRules> rpc) {
      checkOutput();
      try {
        LimitRules rules = ask(rpc);
        if (output.equals("json")) {
          System.out.println(Json.of(rules));
        } else {
          print(rules);
        }
        return 0;
      } catch (CallFailed e) {
        return e.exitCode;
      }
    }

    void checkOutput() {
      if (!output.equals("table") && !output.equals("json")) {
        throw new UsageException("--output must be table or json, got " + output);
      }
    }

    /**
     * Sends the call to each node in turn until one answers other than UNAVAILABLE; a failure
     * is printed and thrown as {@link CallFailed} with the exit code it means.
     */
    <T> T ask(Function<NodeAdminGrpc.NodeAdminBlockingStub, T> rpc) {
      if (timeoutMillis <= 0) {
        throw new UsageException("--timeout-ms must be > 0, got " + timeoutMillis);
      }
      StatusRuntimeException last = null;
      for (String address : addresses()) {
        ManagedChannel channel = cluster.channel(address);
        try {
          return rpc.apply(cluster.asAdmin(NodeAdminGrpc.newBlockingStub(channel))
              .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS));
        } catch (StatusRuntimeException e) {
          last = e;
          if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
            break;
          }
        } finally {
          channel.shutdownNow();
        }
      }
      String description = last.getStatus().getDescription();
      System.err.println("rlctl: " + last.getStatus().getCode()
          + (description == null ? "" : ": " + description));
      throw new CallFailed(switch (last.getStatus().getCode()) {
        case INVALID_ARGUMENT -> Rlctl.EXIT_USAGE;
        case NOT_FOUND, FAILED_PRECONDITION, UNAUTHENTICATED, PERMISSION_DENIED ->
            Rlctl.EXIT_FAILURE;
        default -> Rlctl.EXIT_UNAVAILABLE;
      });
    }

    /** A call no node answered with success, already reported; the exit code it means. */
    static final class CallFailed extends RuntimeException {
      private static final long serialVersionUID = 1L;
      final int exitCode;

      CallFailed(int exitCode) {
        super(null, null, false, false);
        this.exitCode = exitCode;
      }
    }

    private static void print(LimitRules rules) {
      System.out.printf("%-32s %14s %14s  %s%n", "PREFIX", "CAPACITY", "REFILL/S", "MODE");
      for (LimitRule rule : rules.getRulesList()) {
        String prefix = rule.getPrefix().isEmpty() ? "'' (default)" : rule.getPrefix();
        System.out.printf("%-32s %14d %14s  %s%n", prefix, rule.getCapacity(),
            rule.getRefillPerSecond(), rule.getShadow() ? "shadow" : "enforced");
      }
      System.out.printf("%d rule(s), metadata version %d%n", rules.getRulesCount(),
          rules.getVersion());
    }
  }

  @Command(name = "set", mixinStandardHelpOptions = true,
      description = "Set (or replace) the limit of keys starting with PREFIX.")
  static final class Set implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PREFIX", description = "Key prefix; '' for every key.")
    String prefix;

    @Option(names = "--capacity", required = true, description = "Bucket capacity (tokens).")
    long capacity;

    @Option(names = "--refill", required = true, description = "Refill per second (tokens).")
    double refill;

    @Option(names = "--shadow", description = "Shadow mode: decide and count under this rule, "
        + "but answer refusals as allowed (marked shadow_refused), to try it on live traffic; "
        + "set the rule again without --shadow to enforce it.")
    boolean shadow;

    @Mixin Target target;

    @Override
    public Integer call() {
      SetLimitRequest request = SetLimitRequest.newBuilder().setRule(LimitRule.newBuilder()
          .setPrefix(prefix).setCapacity(capacity).setRefillPerSecond(refill).setShadow(shadow))
          .build();
      return target.call(admin -> admin.setLimit(request));
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List the rules (a linearizable read of the metadata group).")
  static final class ListRules implements Callable<Integer> {
    @Mixin Target target;

    @Override
    public Integer call() {
      return target.call(admin -> admin.listLimits(ListLimitsRequest.getDefaultInstance()));
    }
  }

  @Command(name = "remove", mixinStandardHelpOptions = true,
      description = "Remove the rule of exactly PREFIX.")
  static final class Remove implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PREFIX", description = "The rule's prefix.")
    String prefix;

    @Mixin Target target;

    @Override
    public Integer call() {
      RemoveLimitRequest request = RemoveLimitRequest.newBuilder().setPrefix(prefix).build();
      return target.call(admin -> admin.removeLimit(request));
    }
  }

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = {"Write the rules as YAML, to FILE or standard output.",
          "Keep the file under review; 'rlctl limits apply -f FILE' makes it the rules again."})
  static final class Export implements Callable<Integer> {
    @Option(names = {"-f", "--file"}, paramLabel = "FILE",
        description = "Write here instead of standard output (replaced if it exists).")
    Path file;

    @Mixin Target target;

    @Override
    public Integer call() {
      LimitRules rules;
      try {
        rules = target.ask(admin -> admin.listLimits(ListLimitsRequest.getDefaultInstance()));
      } catch (Target.CallFailed e) {
        return e.exitCode;
      }
      String yaml = RuleFile.render(rules);
      if (file == null) {
        System.out.print(yaml);
        return 0;
      }
      try {
        Files.writeString(file, yaml);
      } catch (IOException e) {
        System.err.println("rlctl: cannot write " + file + ": " + e.getMessage());
        return Rlctl.EXIT_FAILURE;
      }
      System.out.printf("%d rule(s) written to %s%n", rules.getRulesCount(), file);
      return 0;
    }
  }

  @Command(name = "apply", mixinStandardHelpOptions = true,
      description = {"Make the cluster's rules exactly those of FILE, in one step.",
          "FILE is YAML as 'limits export' writes it; rules not in it are removed. The change",
          "is shown first; it is refused, changing nothing, if the rules changed since read."})
  static final class Apply implements Callable<Integer> {
    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE",
        description = "The rules file.")
    Path file;

    @Option(names = "--dry-run", description = "Show the change; change nothing.")
    boolean dryRun;

    @Mixin Target target;

    @Override
    public Integer call() {
      io.raftlimiter.meta.LimitRules wanted;
      List<LimitRule> parsed;
      try {
        parsed = RuleFile.parse(Files.readString(file));
        wanted = RuleSets.fromProto(parsed);
      } catch (IOException e) {
        throw new UsageException("cannot read " + file + ": " + e.getMessage());
      } catch (IllegalArgumentException | InvalidRequestException e) {
        throw new UsageException(file + ": " + e.getMessage());
      }
      try {
        LimitRules current = target.ask(
            admin -> admin.listLimits(ListLimitsRequest.getDefaultInstance()));
        RuleDiff diff = RuleDiff.between(RuleSets.fromProto(current.getRulesList()), wanted);
        diff.lines().forEach(System.out::println);
        if (diff.isEmpty()) {
          System.out.printf("no change: the cluster's rules are those of %s (metadata version "
              + "%d)%n", file, current.getVersion());
          return 0;
        }
        if (dryRun) {
          System.out.println("dry run: " + diff + "; nothing changed");
          return 0;
        }
        ReplaceLimitsRequest request = ReplaceLimitsRequest.newBuilder().addAllRules(parsed)
            .setExpectedDigest(current.getDigest()).build();
        LimitRules after = target.ask(admin -> admin.replaceLimits(request));
        System.out.printf("applied: %s; metadata version %d%n", diff, after.getVersion());
        return 0;
      } catch (Target.CallFailed e) {
        return e.exitCode;
      } catch (InvalidRequestException e) {
        System.err.println("rlctl: the cluster holds rules this rlctl cannot read: "
            + e.getMessage());
        return Rlctl.EXIT_FAILURE;
      }
    }
  }
}
