package io.raftlimiter.cli;

import io.raftlimiter.server.runtime.BuildInfo;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * {@code rlctl}: runs raftlimiter nodes, local clusters and the demo, and talks to a cluster.
 *
 * <p>Exit codes: 0 success (for {@code acquire}: allowed), 1 a failure or, for {@code acquire}, a
 * rejection, 2 a usage error, 3 the cluster could not decide.
 */
@Command(name = "rlctl",
    mixinStandardHelpOptions = true,
    versionProvider = Rlctl.Version.class,
    description = "raftlimiter: a Raft-replicated token-bucket rate limiter.",
    subcommands = {
        DemoCommand.class,
        NodeCommand.class,
        ClusterCommand.class,
        AcquireCommand.class,
        LimitsCommand.class,
        BucketCommand.class,
        AutoscaleCommand.class,
        CommandLine.HelpCommand.class,
        AutoComplete.GenerateCompletion.class
    })
public final class Rlctl {
  static final int EXIT_FAILURE = 1;
  static final int EXIT_USAGE = 2;
  static final int EXIT_UNAVAILABLE = 3;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs a command line and returns its exit code (used by tests as well as main). */
  public static int run(String... args) {
    LogOptions.applyFrom(args);
    return newCommandLine().execute(args);
  }

  static CommandLine newCommandLine() {
    CommandLine commandLine = new CommandLine(new Rlctl());
    commandLine.setParameterExceptionHandler((e, args) -> {
      CommandLine cmd = e.getCommandLine();
      cmd.getErr().println("rlctl: " + e.getMessage());
      cmd.getErr().println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage.");
      return EXIT_USAGE;
    });
    commandLine.setExecutionExceptionHandler((e, cmd, parseResult) -> {
      if (e instanceof UsageException) {
        cmd.getErr().println("rlctl: " + e.getMessage());
        return EXIT_USAGE;
      }
      cmd.getErr().println("rlctl: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
      return EXIT_FAILURE;
    });
    return commandLine;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      BuildInfo build = BuildInfo.current();
      return new String[] {"rlctl " + build.version() + " (commit " + build.commit() + ")"};
    }
  }
}
